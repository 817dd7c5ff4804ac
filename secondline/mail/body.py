"""The text of a message body: HTML to text, safe HTML, and the new text of a reply without
its quoted history. Pure Python."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3
from mailparser_reply import EmailReplyParser


class _TextExtractor(HTMLParser):
    BLOCK = frozenset(
        {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"}
    )
    SKIP = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(" ".join(data.split()) if data.strip() else " ")


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:
        return re.sub(r"<[^>]*>", " ", html)
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitize_html(html: str) -> str:
    """Only harmless markup survives; inline images keep their cid: links."""
    try:
        return nh3.clean(
            html,
            url_schemes={"http", "https", "mailto", "cid"},
            link_rel="noopener noreferrer nofollow",
        )
    except Exception:
        return ""


# Quote headers mailparser-reply does not know: Russian clients and Outlook's separator.
QUOTE_HEADERS = re.compile(
    r"^(?:[^\n]{0,200}\b(?:пишет|написал|написала|написал\(а\))\s*:\s*$"
    r"|-{2,}\s*(?:Исходное сообщение|Пересылаемое сообщение|Original Message)\s*-{2,}"
    r"|От:\s.+\n(?:Отправлено|Дата|Sent|Date):)",
    re.IGNORECASE | re.MULTILINE,
)
_reply_parser = EmailReplyParser(languages=["en", "de", "fr"])


def strip_quoted(text: str) -> str:
    """The new text of a reply, without the quoted history below it."""
    if not text.strip():
        return ""
    cut = QUOTE_HEADERS.search(text)
    head = text[: cut.start()] if cut and cut.start() > 0 else text
    try:
        latest = _reply_parser.parse_reply(head) or ""
    except Exception:
        latest = head
    lines = latest.strip().splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    result = "\n".join(lines).strip()
    return result or text.strip()
