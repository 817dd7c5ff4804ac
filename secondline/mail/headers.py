"""Header values as text, addresses, Message-IDs, dates, and the envelope stored first. Pure
Python; nothing here raises on bad input."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime

from secondline.mail.charsets import decode_text

MESSAGE_ID_RE = re.compile(r"<[^<>\s]{1,250}@[^<>\s]{1,250}>")


@dataclass(frozen=True)
class Envelope:
    """The few header facts the intake stores before anything else is done with a message."""

    message_id: str
    sender: str
    subject: str


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


def addresses(values: list[str]) -> list[tuple[str, str]]:
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


def find_message_ids(value: str) -> list[str]:
    return MESSAGE_ID_RE.findall(value)


def date_of(value: str) -> dt.datetime | None:
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
        ids = find_message_ids(header(msg, "Message-ID"))
        return envelope_of(ids, addresses(headers(msg, "From")), header(msg, "Subject"))
    except Exception:
        return Envelope("", "", "")


def envelope_of(ids: list[str], senders: list[tuple[str, str]], subject: str) -> Envelope:
    return Envelope(
        message_id=ids[0][:250] if ids else "",
        sender=senders[0][1][:254] if senders else "",
        subject=subject[:250],
    )


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
