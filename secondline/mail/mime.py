"""Walk a message's MIME tree into body texts, HTML bodies and attachments. Pure Python.

Broken boundaries, unreadable parts and absurdly deep trees are tolerated: what cannot be read
as a body is kept as an attachment, and a defect is recorded. The walk is bounded: at most
``max_parts`` leaf parts are read (the rest are only counted, in ``Walk.parts_left``), and a
tree deeper than ``MAX_DEPTH`` is kept whole as one attachment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email import policy
from email.message import Message

from secondline.mail.charsets import decode_text
from secondline.mail.headers import clean, decode_header_value, header

MAX_DEPTH = 40  # deeper MIME trees are kept whole as an attachment rather than walked
MAX_PARTS = 200  # leaf parts read into bodies and attachments; settings.MAIL_MAX_PARTS


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
class Walk:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    nested: list[Message] = field(default_factory=list)
    reports: list[Message] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    max_parts: int = MAX_PARTS
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
    is_body = _disposition(part) != "attachment" and not _filename(part)
    if is_body and ctype == "text/plain":
        out.texts.append(decode_text(part_bytes(part), part.get_content_charset()))
    elif is_body and ctype == "text/html":
        out.htmls.append(decode_text(part_bytes(part), part.get_content_charset()))
    else:
        _attach(part, ctype, out)


def content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"


def _attach(part: Message, ctype: str, out: Walk) -> None:
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
