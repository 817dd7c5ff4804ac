"""Walk a message's MIME tree into body texts, HTML bodies and attachments. Pure Python.

Broken boundaries, unreadable parts and absurdly deep trees are tolerated: what cannot be read
as a body is kept as an attachment, and a defect is recorded. The walk is bounded: at most
``max_parts`` leaf parts are read (the rest are only counted, in ``Walk.parts_left``), and a
tree deeper than ``MAX_DEPTH`` is kept whole as one attachment.
"""

from __future__ import annotations

import binascii
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message

from secondline.mail.charsets import decode_text
from secondline.mail.headers import clean, decode_header_value, header

MAX_DEPTH = 40  # deeper MIME trees are kept whole as an attachment rather than walked
MAX_PARTS = 200  # leaf parts read into bodies and attachments; settings.MAIL_MAX_PARTS
# An uuencoded file in a text body (RFC 1341 predates MIME; Outlook still writes it).
UUENCODED_RE = re.compile(
    r"^begin [0-7]{3,4} ([^\r\n]+?)\r?\n(.*?)^end[ \t]*\r?$", re.MULTILINE | re.DOTALL
)
# Encrypted content types and what agents are told they are.
ENCRYPTED_SMIME_TYPES = frozenset({"application/pkcs7-mime", "application/x-pkcs7-mime"})
PGP_ARMOUR = "-----BEGIN PGP MESSAGE-----"
PARAM_FIELDS = frozenset({"content-type", "content-disposition"})
SURROGATE_RE = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


def part_bytes(part: Message) -> bytes:
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
    return part_bytes(part)


def _with_text_params(part: Message, hint: str | None) -> Message:
    """``part``, or a copy of its Content-Type and Content-Disposition decoded to text when
    they hold raw 8-bit bytes (a file name the parser would turn into U+FFFD)."""
    fields = [(key, value) for key, value in part.raw_items() if key.lower() in PARAM_FIELDS]
    if not any(SURROGATE_RE.search(str(value)) for _, value in fields):
        return part
    copy = Message()
    for key, value in fields:
        copy[key] = decode_text(str(value).encode("utf-8", "surrogateescape"), hint=hint)
    return copy


def _filename(part: Message, hint: str | None = None) -> str:
    try:
        part = _with_text_params(part, hint)
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
    name = decode_header_value(str(name), hint)
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
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
    "message/delivery-status": ".txt",
    "text/rfc822-headers": ".txt",
}


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


@dataclass
class Walk:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    nested: list[Message] = field(default_factory=list)
    reports: list[Message] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    max_parts: int = MAX_PARTS
    hint: str = ""  # the charset the message declares, for raw 8-bit file names
    encrypted: str = ""  # "PGP/MIME", "S/MIME" or "PGP" when the body is encrypted
    parts_read: int = 0
    parts_left: int = 0  # leaf parts past ``max_parts``: not read, still in the raw message

    def take_part(self) -> bool:
        """Whether the next leaf part may be read; counts it either way."""
        if self.parts_read < self.max_parts:
            self.parts_read += 1
            return True
        if not self.parts_left:
            self.defects.append(f"more than {self.max_parts} parts; the rest are not read")
        self.parts_left += 1
        return False


def walk_parts(part: Message, out: Walk, depth: int = 0) -> None:
    ctype = content_type(part)
    if depth > MAX_DEPTH:
        if not out.take_part():
            return
        out.defects.append("MIME tree too deep; the rest is kept as an attachment")
        _attach(part, ctype, out)
        return
    if ctype == "multipart/encrypted":
        _encrypted(part, out)
        return
    if part.is_multipart() and ctype.startswith("multipart/"):
        children = part.get_payload()
        if not isinstance(children, list):
            children = []
        # multipart/alternative too: the plain and the HTML version are both kept, and other
        # alternatives (calendar, rich text) become files.
        for child in children:
            if isinstance(child, Message):
                walk_parts(child, out, depth + 1)
        return
    if not out.take_part():
        return
    if ctype in {"message/delivery-status", "text/rfc822-headers"}:
        out.reports.append(part)
        _attach(part, ctype, out)
        return
    if ctype == "message/rfc822" or (part.is_multipart() and ctype.startswith("message/")):
        out.nested.append(part)
        _attach(part, "message/rfc822", out)
        return
    if ctype in ENCRYPTED_SMIME_TYPES and _smime_type(part) != "signed-data":
        out.encrypted = out.encrypted or "S/MIME"
    is_body = _disposition(part) != "attachment" and not _filename(part, out.hint)
    if is_body and ctype == "text/plain":
        text = decode_text(part_bytes(part), part.get_content_charset(), out.hint)
        if PGP_ARMOUR in text:
            out.encrypted = out.encrypted or "PGP"
        out.texts.append(_take_uuencoded(text, out))
    elif is_body and ctype == "text/html":
        out.htmls.append(decode_text(part_bytes(part), part.get_content_charset(), out.hint))
    else:
        _attach(part, ctype, out)


def _smime_type(part: Message) -> str:
    try:
        return str(part.get_param("smime-type", "") or "").lower()
    except Exception:
        return ""


def _encrypted(part: Message, out: Walk) -> None:
    """PGP/MIME (RFC 3156) or S/MIME in multipart/encrypted: the encrypted data is kept as an
    attachment (the "Version: 1" control part is not), and the message is marked encrypted."""
    try:
        protocol = str(part.get_param("protocol", "") or "").lower()
    except Exception:
        protocol = ""
    out.encrypted = "S/MIME" if "pkcs7" in protocol else "PGP/MIME"
    children = part.get_payload()
    data = [
        child
        for child in (children if isinstance(children, list) else [])
        if isinstance(child, Message) and content_type(child) != "application/pgp-encrypted"
    ]
    for child in data or [part]:
        if out.take_part():
            _attach(child, content_type(child), out, default_name="encrypted.asc")


def _take_uuencoded(text: str, out: Walk) -> str:
    """The text without its uuencoded files, which become attachments."""
    if "begin " not in text:
        return text

    def take(match: re.Match[str]) -> str:
        data = _uudecode(match.group(2))
        if data is None:
            return match.group(0)
        name = decode_header_value(match.group(1).strip(), out.hint).rsplit("/", 1)[-1]
        name = "".join(ch for ch in name if ch.isprintable()).strip()[:200] or "uuencoded.bin"
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        out.attachments.append(Attachment(filename=name, content_type=guessed, data=data))
        return ""

    return UUENCODED_RE.sub(take, text)


def _uudecode(body: str) -> bytes | None:
    """The bytes of uuencoded lines, or None when they are not uuencoded after all."""
    chunks: list[bytes] = []
    for line in body.splitlines():
        if not line.strip() or line.strip() == "`":
            continue
        data = line.encode("ascii", "replace")
        try:
            chunks.append(binascii.a2b_uu(data))
        except binascii.Error:
            # Some encoders pad lines with extra characters: read what the length byte says.
            length = (((data[0] - 32) & 63) * 4 + 5) // 3
            try:
                chunks.append(binascii.a2b_uu(data[:length]))
            except binascii.Error:
                return None
    return b"".join(chunks)


def declared_charset(msg: Message, limit: int = 50) -> str:
    """The first charset other than ASCII or UTF-8 that the message's text parts declare
    ("" if none): how the sender's program writes, for 8-bit headers and file names."""
    queue = [msg]
    while queue and limit > 0:
        part = queue.pop(0)
        limit -= 1
        try:
            payload = part.get_payload()
            if part.is_multipart() and isinstance(payload, list):
                queue.extend(child for child in payload if isinstance(child, Message))
                continue
            charset = part.get_content_charset() or ""
        except Exception:
            continue
        if charset and charset not in {"us-ascii", "ascii", "utf-8", "utf8"}:
            return charset
    return ""


def content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _attach(part: Message, ctype: str, out: Walk, default_name: str = "") -> None:
    if ctype == "message/rfc822":
        data = _message_bytes(part)
    elif ctype == "message/delivery-status":
        data = "\n\n".join(
            "\n".join(f"{k}: {v}" for k, v in block) for block in report_blocks(part)
        ).encode()
    else:
        data = part_bytes(part)
    if not data and ctype.startswith("multipart/"):
        try:
            data = part.as_bytes(policy=policy.compat32)
        except Exception:
            data = b""
    name = _filename(part, out.hint) or default_name
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


def report_blocks(part: Message) -> list[list[tuple[str, str]]]:
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
    for line in decode_text(part_bytes(part)).splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip():
            fields.append((name.strip(), value.strip()))
    return [fields]
