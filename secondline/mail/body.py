"""The text of a message body: HTML to text, safe HTML, and the new text of a reply without
its quoted history. Pure Python."""

from __future__ import annotations

import re
from html import unescape

import nh3
from inscriptis import Inscriptis
from inscriptis.css_profiles import CSS_PROFILES
from inscriptis.model.config import ParserConfig
from lxml.etree import ParserError
from lxml.html import HtmlElement, document_fromstring
from mailparser_reply import EmailReplyParser

# inscriptis renders HTML as a browser lays it out (block elements on their own lines, the
# spaces between inline elements kept); the strict profile adds no indent. Tables in mail are
# mostly layout, which inscriptis would draw as padded columns: they are read row by row.
TEXT_CONFIG = ParserConfig(css=CSS_PROFILES["strict"])
TABLE_ROWS = ("table", "thead", "tbody", "tfoot", "tr", "caption")
TABLE_CELLS = ("td", "th")
# inscriptis's time grows with the square of one block's length past a few hundred KB, so a
# bigger HTML body gets the plain reading below: tags dropped, block tags as line breaks.
INSCRIPTIS_MAX_CHARS = 256 * 1024
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)?[^>]*>")
HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})
BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "tr", "td", "th", "blockquote", "table", "ul", "ol", "pre", "hr"}
    | {f"h{level}" for level in range(1, 7)}
)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body, word boundaries kept."""
    text = ""
    if html.strip() and len(html) <= INSCRIPTIS_MAX_CHARS:
        try:
            text = Inscriptis(_tree(html), TEXT_CONFIG).get_text()
        except Exception:
            text = ""
    if not text.strip():  # too big, unparseable, or nested past what lxml builds
        text = _plain(html)
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _plain(html: str) -> str:
    """The text of HTML in one linear pass: hidden parts and tags dropped, blocks as lines."""
    parts: list[str] = []
    hidden = 0
    position = 0
    for tag in TAG_RE.finditer(html):
        if not hidden:
            parts.append(html[position : tag.start()])
        position = tag.end()
        name = (tag.group(2) or "").lower()
        if name in HIDDEN_TAGS:
            hidden = max(0, hidden - 1) if tag.group(1) else hidden + 1
        elif name in BLOCK_TAGS and not hidden:
            parts.append("\n")
    if not hidden:
        parts.append(html[position:])
    text = unescape("".join(parts))
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def _tree(html: str) -> HtmlElement:
    try:
        tree = document_fromstring(html)
    except ParserError:
        tree = document_fromstring("<pre>" + html + "</pre>")
    for element in tree.iter(*TABLE_ROWS):
        element.tag = "div"
    for element in tree.iter(*TABLE_CELLS):
        element.tag = "span"
        element.tail = " " + (element.tail or "")
    return tree


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


# Quote headers mailparser-reply does not know: Russian clients, Outlook's separator, and
# Gmail's Russian line, which has no verb: «6 дек. 2026 г., в 10:15, Иван <ivan@x.example>:»
# (a date or time, then an address in angle brackets and a colon, possibly wrapped once).
QUOTE_HEADERS = re.compile(
    r"^(?:[^\n]{0,200}\b(?:пишет|написал|написала|написал\(а\))\s*:\s*$"
    r"|[^\n<>]{0,120}\d{1,2}:\d{2}[^\n<>]{0,200}\n?[^\n<>]{0,120}<\n?[^<>\s]+@[^<>\s]+>\s*:\s*$"
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
