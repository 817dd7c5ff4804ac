"""Read a raw email into the plain facts the intake needs. Pure Python: no database, no Django.

Mail from real customers is messy: wrong or missing charset labels (koi8-r and cp1251 labelled
as Latin-1, UTF-8 labelled as ASCII), raw 8-bit headers, broken boundaries, bare-CR line ends.
Nothing here raises on bad input; ``parse`` always returns a ``ParsedMessage`` and records what
it could not read in ``defects``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

import nh3
from mailparser_reply import EmailReplyParser

MAX_DEPTH = 40  # deeper MIME trees are kept whole as an attachment rather than walked

# Labels seen in the wild that Python's codec registry does not know, or knows wrongly.
CHARSET_ALIASES = {
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-mac-cyrillic": "mac-cyrillic",
    "iso-8859-8-i": "iso-8859-8",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp-850": "cp850",
    "ansi_x3.4-1968": "ascii",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "x-user-defined": "",
    "default": "",
    "charset": "",
}
# Labels that often hide UTF-8 (or Cyrillic single-byte text) sent by a misconfigured client.
WESTERN_CODECS = frozenset({"ascii", "latin_1", "iso8859-1", "cp1252"})
CYRILLIC_CODECS = frozenset({"cp1251", "koi8_r", "koi8-r", "koi8_u"})

MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,250}@[^<>\s]{1,250}>")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass(frozen=True)
class Bounce:
    """A delivery failure report: which of our messages failed, to whom and why."""

    message_ids: tuple[str, ...]
    recipients: tuple[str, ...]
    diagnostic: str


@dataclass(frozen=True)
class Envelope:
    """The few header facts the intake stores before anything else is done with a message."""

    message_id: str
    sender: str
    subject: str


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: str = ""
    sender_name: str = ""
    recipients: list[str] = field(default_factory=list)
    date: dt.datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""
    suppress_auto_replies: bool = False
    bounce: Bounce | None = None
    defects: list[str] = field(default_factory=list)
    # What ``envelope`` reads from the same bytes (None when the message was unparseable), so
    # the intake can store a message it has parsed without reading its header block again.
    envelope: Envelope | None = None

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, most direct first."""
        seen: dict[str, None] = {}
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            seen.setdefault(mid, None)
        return list(seen)

    @property
    def reply_text(self) -> str:
        return strip_quoted(self.text)


# --- charsets -------------------------------------------------------------------------------


def codec_for(label: str | None) -> str | None:
    """The Python codec for a MIME charset label: "" if it says nothing, None if unknown."""
    if not label:
        return ""
    name = label.strip().strip("\"'").lower()
    name = CHARSET_ALIASES.get(name, name)
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _cyrillic_score(text: str) -> int:
    """Real Russian text is mostly lower case; text decoded with the wrong Cyrillic table is not."""
    lower = sum(1 for ch in text if "а" <= ch <= "я" or ch == "ё")
    upper = sum(1 for ch in text if "А" <= ch <= "Я" or ch == "Ё")
    return lower - upper


def _best_cyrillic(data: bytes) -> str:
    candidates = [data.decode("cp1251", "replace"), data.decode("koi8_r", "replace")]
    return max(candidates, key=_cyrillic_score)


def _looks_cyrillic_as_western(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    high = sum(1 for ch in letters if "\u00c0" <= ch <= "\u00ff")
    return bool(letters) and high > 0.5 * len(letters)


def decode_text(data: bytes, label: str | None = None) -> str:
    """Bytes to text, trusting the charset label only as far as the bytes agree with it."""
    if data.isascii():
        return data.decode("ascii")
    codec = codec_for(label)
    if not codec or codec in WESTERN_CODECS or codec == "utf-8":
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    if codec and codec != "utf-8":
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            text = ""
        if text:
            if codec in CYRILLIC_CODECS:
                return _best_cyrillic(data)
            if codec in WESTERN_CODECS and _looks_cyrillic_as_western(text):
                cyrillic = _best_cyrillic(data)
                if _cyrillic_score(cyrillic) > 0:
                    return cyrillic
            return text
    return _guess(data)


def _guess(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    western = data.decode("cp1252", "replace")
    if _looks_cyrillic_as_western(western):
        return _best_cyrillic(data)
    return western


# --- headers --------------------------------------------------------------------------------


def _unescape(value: str) -> str:
    """Raw 8-bit bytes in a header arrive as surrogate escapes; decode them as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"))


def clean(text: str) -> str:
    """Text any database accepts: no NUL characters (PostgreSQL rejects them)."""
    return text.replace("\x00", "") if "\x00" in text else text


def decode_header_value(value: str) -> str:
    """An RFC 2047 header value to text, tolerating bad encodings and unknown charsets."""
    value = clean(_unescape(str(value)))
    if "=?" not in value:
        return " ".join(value.split())
    try:
        chunks = decode_header(value)
    except Exception:
        return " ".join(value.split())
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes):
            parts.append(decode_text(chunk, charset))
        else:
            parts.append(chunk)
    return clean(" ".join("".join(parts).split()))


def header(msg: Message, name: str) -> str:
    """The first value of a header as text; "" if missing or unreadable."""
    values = headers(msg, name)
    return values[0] if values else ""


def headers(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    found: list[str] = []
    try:
        for key, raw in msg.raw_items():
            if key.lower() == wanted:
                found.append(decode_header_value(raw))
    except Exception:
        return found
    return found


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses(values)
    except Exception:
        return []
    found: list[tuple[str, str]] = []
    for name, addr in pairs:
        tokens = [token for token in addr.strip().strip("<>").split() if "@" in token]
        address = tokens[-1].strip("<>").lower() if tokens else ""
        local, _, domain = address.partition("@")
        if local and domain:
            found.append((name, address))
    return found


def _ids(value: str) -> list[str]:
    return MESSAGE_ID_RE.findall(value)


def _date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return parsed


def envelope(raw: bytes) -> Envelope:
    """Read only the header block: cheap, and never raises."""
    try:
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        ids = _ids(header(msg, "Message-ID"))
        return _envelope(ids, _addresses(headers(msg, "From")), header(msg, "Subject"))
    except Exception:
        return Envelope("", "", "")


def _envelope(ids: list[str], senders: list[tuple[str, str]], subject: str) -> Envelope:
    return Envelope(
        message_id=ids[0][:250] if ids else "",
        sender=senders[0][1][:254] if senders else "",
        subject=subject[:250],
    )


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


# --- loops and automatic mail ---------------------------------------------------------------

AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
AUTOMATIC_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autogenerated")
ROBOT_LOCALPARTS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply|daemon)([+-].*)?$",
    re.IGNORECASE,
)
BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|failure|has failed|failed)|returned mail|"
    r"failure notice|mail delivery (failed|failure|system)|non[- ]?delivery|"
    r"delivery report|недоставлен|не доставлен|не удалось доставить|возвращен",
    re.IGNORECASE,
)


def suppresses_auto_replies(msg: Message) -> bool:
    """The sender asks for no automatic answers (Microsoft's X-Auto-Response-Suppress).

    Honoured by sending none; the message itself may well be a person's and is routed as such.
    """
    return any(
        value.strip().lower() not in {"", "none"}
        for value in headers(msg, "X-Auto-Response-Suppress")
    )


def automatic_reason(msg: Message, sender: str) -> str:
    """Why this message was sent by a machine (RFC 3834 and the common conventions), or ""."""
    auto_submitted = header(msg, "Auto-Submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = header(msg, "Precedence").lower().strip()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in AUTOMATIC_HEADERS:
        if headers(msg, name):
            return f"{name} header"
    if msg.get_content_type() == "multipart/report":
        return "delivery or read report"
    return_path = header(msg, "Return-Path").strip()
    if return_path == "<>":
        return "null return path"
    if sender and ROBOT_LOCALPARTS.match(sender.partition("@")[0]):
        return f"sent by {sender}"
    return ""


# --- body and attachments -------------------------------------------------------------------


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


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _message_bytes(part: Message) -> bytes:
    """A nested message/rfc822 part as the bytes of a standalone .eml file."""
    inner = part.get_payload()
    if isinstance(inner, list) and inner:
        inner = inner[0]
    if isinstance(inner, Message):
        for pol in (policy.compat32, policy.default):
            try:
                return inner.as_bytes(policy=pol)
            except Exception:
                continue
        return b""
    if isinstance(inner, str):
        return inner.encode("utf-8", "surrogateescape")
    return _payload(part)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        try:
            param = part.get_param("name", "", header="content-type") or ""
        except Exception:
            param = ""
        if isinstance(param, tuple):  # RFC 2231 triple
            charset, _, value = param
            name = decode_text(value.encode("latin-1", "replace"), charset)
        else:
            name = param
    name = decode_header_value(str(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable()).strip()[:200]


EXTENSIONS = {
    "text/plain": ".txt",
    "text/html": ".html",
    "message/rfc822": ".eml",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
}


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


@dataclass
class _Walk:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    nested: list[Message] = field(default_factory=list)
    reports: list[Message] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


def _walk(part: Message, out: _Walk, depth: int = 0) -> None:
    ctype = _content_type(part)
    if depth > MAX_DEPTH:
        out.defects.append("MIME tree too deep; the rest is kept as an attachment")
        _attach(part, ctype, out)
        return
    if part.is_multipart() and ctype.startswith("multipart/"):
        children = part.get_payload()
        if not isinstance(children, list):
            children = []
        # multipart/alternative too: the plain and the HTML version are both kept, and other
        # alternatives (calendar, rich text) become files.
        for child in children:
            if isinstance(child, Message):
                _walk(child, out, depth + 1)
        return
    if ctype in {"message/delivery-status", "text/rfc822-headers"}:
        out.reports.append(part)
        _attach(part, ctype, out)
        return
    if ctype == "message/rfc822" or (part.is_multipart() and ctype.startswith("message/")):
        out.nested.append(part)
        _attach(part, "message/rfc822", out)
        return
    is_body = _disposition(part) != "attachment" and not _filename(part)
    if is_body and ctype == "text/plain":
        out.texts.append(decode_text(_payload(part), part.get_content_charset()))
    elif is_body and ctype == "text/html":
        out.htmls.append(decode_text(_payload(part), part.get_content_charset()))
    else:
        _attach(part, ctype, out)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _attach(part: Message, ctype: str, out: _Walk) -> None:
    if ctype == "message/rfc822":
        data = _message_bytes(part)
    elif ctype == "message/delivery-status":
        data = "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in block) for block in _report_blocks(part)
        ).encode()
    else:
        data = _payload(part)
    if not data and ctype.startswith("multipart/"):
        try:
            data = part.as_bytes(policy=policy.compat32)
        except Exception:
            data = b""
    name = _filename(part)
    if not name:
        if ctype == "message/rfc822":
            inner = part.get_payload()
            subject = ""
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                subject = header(inner[0], "Subject")
            name = (re.sub(r"[^\w\- .]+", "_", subject).strip()[:80] or "message") + ".eml"
        else:
            name = f"part-{len(out.attachments) + 1}{EXTENSIONS.get(ctype, '.bin')}"
    cid = header(part, "Content-ID").strip().strip("<>")[:250]
    out.attachments.append(
        Attachment(
            filename=name,
            content_type=clean(ctype)[:150],
            data=data,
            content_id=cid,
            inline=_disposition(part) == "inline" or bool(cid),
        )
    )


# --- delivery failure reports ---------------------------------------------------------------


def _report_blocks(part: Message) -> list[list[tuple[str, str]]]:
    """Field blocks of a message/delivery-status part, however the parser represented it."""
    payload = part.get_payload()
    blocks = [
        [(k, decode_header_value(v)) for k, v in block.raw_items()]
        for block in (payload if isinstance(payload, list) else [])
        if isinstance(block, Message)
    ]
    if any(blocks):
        return blocks
    fields: list[tuple[str, str]] = []
    for line in decode_text(_payload(part)).splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            fields.append((name.strip(), value.strip()))
    return [fields]


def _report_fields(part: Message) -> list[tuple[str, str]]:
    return [(k.lower(), v) for block in _report_blocks(part) for k, v in block]


def _bounce(msg: Message, walk: _Walk, text: str, subject: str, sender: str) -> Bounce | None:
    ctype = _content_type(msg)
    report_type = ""
    try:
        report_type = str(msg.get_param("report-type", "") or "").lower()
    except Exception:
        report_type = ""
    is_dsn = ctype == "multipart/report" and report_type in {"delivery-status", ""}
    looks_like = bool(BOUNCE_SUBJECT.search(subject)) or bool(
        sender and re.match(r"^(mailer-daemon|postmaster)", sender, re.IGNORECASE)
    )
    if not is_dsn and not looks_like:
        return None
    if ctype == "multipart/report" and report_type == "disposition-notification":
        return None
    ids: list[str] = []
    for nested in walk.nested:
        inner = nested.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            ids.extend(_ids(header(inner[0], "Message-ID")))
            ids.extend(_ids(header(inner[0], "References")))
    recipients: list[str] = []
    diagnostic: list[str] = []
    for report in walk.reports:
        if _content_type(report) == "text/rfc822-headers":
            headers_text = decode_text(_payload(report))
            for line in headers_text.splitlines():
                if line.lower().startswith(("message-id:", "references:")):
                    ids.extend(_ids(line))
            continue
        for name, value in _report_fields(report):
            if name == "final-recipient":
                recipients.append(value.rpartition(";")[2].strip().lower())
            elif name in {"status", "diagnostic-code", "action"}:
                diagnostic.append(f"{name}: {value}")
    if not ids:
        ids = _ids(text)
    unique_ids = tuple(dict.fromkeys(ids))
    detail = "; ".join(dict.fromkeys(diagnostic)) or _first_lines(text)
    return Bounce(unique_ids, tuple(dict.fromkeys(recipients)), detail[:2000])


def _first_lines(text: str, count: int = 6) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:count])


# --- the whole message ----------------------------------------------------------------------


def parse(raw: bytes) -> ParsedMessage:
    """Everything the intake needs from one raw message; never raises."""
    # compat32 first: it is the most tolerant parser and, since every header is decoded here
    # anyway, twice as fast as policy.default, which remains the fallback.
    for pol in (policy.compat32, policy.default):
        try:
            return _parse(raw, pol)
        except Exception as exc:  # fall back to the more tolerant parser
            failure = f"{type(exc).__name__}: {exc}"
    text = clean(decode_text(raw))
    return ParsedMessage(text=text, defects=[f"unparseable message ({failure})"])


def _parse(raw: bytes, pol: policy.Policy) -> ParsedMessage:
    msg = email.message_from_bytes(raw, policy=pol)  # type: ignore[arg-type]
    walk = _Walk()
    _walk(msg, walk)
    html = "\n".join(walk.htmls)
    text = "\n\n".join(t.strip("\n") for t in walk.texts if t.strip())
    if not text.strip() and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    from_addresses = _addresses(headers(msg, "From"))
    senders = from_addresses or _addresses(headers(msg, "Sender"))
    sender_name, sender = (senders[0][0], senders[0][1]) if senders else ("", "")
    raw_subject = header(msg, "Subject")
    subject = raw_subject.replace("\x00", "")
    recipient_headers = [
        *headers(msg, "To"),
        *headers(msg, "Cc"),
        *headers(msg, "Delivered-To"),
        *headers(msg, "X-Original-To"),
        *headers(msg, "Envelope-To"),
    ]
    message_ids = _ids(header(msg, "Message-ID"))
    defects = [*walk.defects, *(type(d).__name__ for d in getattr(msg, "defects", []))]
    return ParsedMessage(
        message_id=message_ids[0][:250] if message_ids else "",
        in_reply_to=_ids(header(msg, "In-Reply-To")),
        references=_ids(" ".join(headers(msg, "References"))),
        subject=subject,
        sender=sender[:254],
        sender_name=decode_header_value(sender_name)[:150],
        recipients=[addr for _, addr in _addresses(recipient_headers)],
        date=_date(header(msg, "Date")),
        text=text,
        html=clean(sanitize_html(html)) if html else "",
        attachments=walk.attachments,
        automatic=automatic_reason(msg, sender),
        suppress_auto_replies=suppresses_auto_replies(msg),
        bounce=_bounce(msg, walk, text, subject, sender),
        defects=defects,
        # The header-only parser reads headers as compat32 does; other policies may not.
        envelope=_envelope(message_ids, from_addresses, raw_subject)
        if pol is policy.compat32
        else None,
    )


# --- the new text of a reply ----------------------------------------------------------------

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


# --- subject tags ---------------------------------------------------------------------------

# [Incident][High] / [Инцидент][Высокий] in a subject choose the type and the priority.
TYPE_TAGS = {
    "incident": "incident",
    "инцидент": "incident",
    "consultation": "consultation",
    "question": "consultation",
    "консультация": "consultation",
    "вопрос": "consultation",
    "change request": "change_request",
    "change": "change_request",
    "запрос на изменение": "change_request",
    "доработка": "change_request",
    "update installation": "update_installation",
    "update": "update_installation",
    "установка обновления": "update_installation",
    "обновление": "update_installation",
}
PRIORITY_TAGS = {
    "urgent": "urgent",
    "срочный": "urgent",
    "срочно": "urgent",
    "критический": "urgent",
    "high": "high",
    "высокий": "high",
    "normal": "normal",
    "medium": "normal",
    "обычный": "normal",
    "нормальный": "normal",
    "средний": "normal",
    "low": "low",
    "низкий": "low",
}
TAG_RE = re.compile(r"\[\s*([^\[\]]{1,40}?)\s*\]")


@dataclass(frozen=True)
class SubjectTags:
    type: str
    priority: str
    subject: str


def subject_tags(subject: str) -> SubjectTags:
    """Read the type and priority tags and return the subject without them."""
    ticket_type = priority = ""

    def take(match: re.Match[str]) -> str:
        nonlocal ticket_type, priority
        word = " ".join(match.group(1).lower().replace("ё", "е").split())
        if not ticket_type and word in TYPE_TAGS:
            ticket_type = TYPE_TAGS[word]
            return ""
        if not priority and word in PRIORITY_TAGS:
            priority = PRIORITY_TAGS[word]
            return ""
        return match.group(0)

    rest = TAG_RE.sub(take, subject)
    return SubjectTags(ticket_type, priority, " ".join(rest.split()))
