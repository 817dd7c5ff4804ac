"""What a person reads on a page: its text and the words of its controls, and the English left in
it once the data (all of it Cyrillic in these tests) and a few justified names are taken out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Elements whose content nobody reads as text, and keys named by the letter on the keyboard.
HIDDEN = {"script", "style", "template", "noscript", "kbd"}
#: Attributes a person reads or hears (screen readers) on controls and images.
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
#: Elements that never get a closing tag, so they never open a skipped region.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

#: Latin words a Russian page may show, each with its reason.
ALLOWED = {
    "SecondLine",  # the product's name
    "SL",  # ticket numbers: SL-123
    "API",  # the technical names of formats and protocols keep their Latin spelling in Russian
    "REST",
    "PDF",
    "XLSX",
    "CSV",
    "TOTP",
    "SLA",  # Russian contracts say SLA too ("Отчёт по SLA")
    "UTC",  # time offsets: UTC+03:00
    "RUB",  # currency codes (ISO 4217) beside amounts
    "EUR",
    "USD",
    # authenticator apps the two-factor page names: brand names have no Russian spelling
    "FreeOTP",
    "Aegis",
    "Google",
    "Authenticator",
    "Password",  # 1Password
    # the search hint shows that English word forms are found too, with an English example
    "shipment",
    "shipments",
}
#: Data that is Latin by nature: addresses, links, numbers with Latin letters.
NOT_WORDS = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"\b(https?://|otpauth://|www\.)\S+"),  # links
    re.compile(r"\{\w+\}"),  # placeholders of canned replies: {requester_name}
    re.compile(r"\b[A-Z][a-z]+/[A-Z][\w/+-]*"),  # time zones: Europe/Moscow
    re.compile(r"(?<![\w])/[\w./?=&%-]*"),  # paths: /api/auth/token/
    re.compile(r"\b[\w-]*\d[\w-]*\b"),  # codes with digits: SL-12, VL-2026-01, 4.2.1, 2FA
]
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if self._skipping:
            if tag not in VOID:
                self._skipping.append(tag)
            return
        # the language switch names English in English (lang="en"): that is its point; and
        # translate="no" marks what must stay as it is (an email's raw source, subject tags)
        english = (values.get("lang") or "").startswith("en")
        if tag in HIDDEN or english or values.get("translate") == "no":
            if tag not in VOID:
                self._skipping.append(tag)
            return
        for name in READ_ATTRIBUTES & values.keys():
            self.parts.append(values[name] or "")
        kind = (values.get("type") or "").lower()
        if tag == "input" and kind in {"submit", "button", "reset"}:  # a <button>'s value is unseen
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return " ".join(part.strip() for part in reader.parts if part.strip())


def english_words(html: str) -> set[str]:
    """The Latin words left on the page once data and the allowed names are taken out."""
    text = visible_text(html)
    for pattern in NOT_WORDS:
        text = pattern.sub(" ", text)
    return {word for word in LATIN_WORD.findall(text) if word not in ALLOWED}


def english_phrases(html: str, limit: int = 6) -> list[str]:
    """Some context for each English word found, for a readable failure."""
    text = visible_text(html)
    words = english_words(html)
    found = []
    for word in sorted(words):
        at = text.find(word)
        found.append(text[max(0, at - 40) : at + 40].replace("\n", " "))
        if len(found) >= limit:
            break
    return found
