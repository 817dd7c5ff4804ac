"""Redact a raw email where its text is encoded (issue 16, Build 5; docs/security.md). Pure
Python.

A name in an email's raw bytes is often not written as itself: a display name is an RFC 2047
encoded word (``=?utf-8?B?0JzQsNGA0LjQvdCw?=``), a text part is base64 or quoted-printable,
or 8-bit in its own charset (koi8-r, windows-1251). ``redact`` decodes each header and each
text part, replaces what the pattern matches, and encodes the result back the way it was
(the same charset and transfer encoding). Only a message where something changed is written
again; any other keeps its bytes exactly. Attachments other than text, and parameters such as
file names, are left as they are.
"""

from __future__ import annotations

import base64
import quopri
import re
from email.generator import BytesGenerator
from email.header import Header, decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from io import BytesIO

ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
ENCODED_WORDS = re.compile(rf"{ENCODED_WORD.pattern}(?:\s+{ENCODED_WORD.pattern})*")


def redact(raw: bytes, pattern: re.Pattern[str], replacement: str) -> bytes:
    """``raw`` with every match of ``pattern`` in its decoded headers and text parts replaced;
    the same bytes when nothing matched."""
    message = BytesParser(policy=compat32).parsebytes(raw)
    changed = _redact_headers(message, pattern, replacement)
    for part in message.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            changed = _redact_text_part(part, pattern, replacement) or changed
    if not changed:
        return raw
    policy = compat32.clone(linesep="\r\n" if b"\r\n" in raw else "\n")
    out = BytesIO()
    BytesGenerator(out, mangle_from_=False, policy=policy).flatten(message)
    return out.getvalue()


def _decoded(value: str) -> str | None:
    try:
        return str(make_header(decode_header(value)))
    except (LookupError, ValueError, UnicodeDecodeError):
        return None


def _header_text(value: str) -> str | None:
    """A header's value as text, when it is encoded (RFC 2047 words or raw 8-bit UTF-8)."""
    if ENCODED_WORD.search(value):
        return _decoded(value)
    try:
        return value.encode("ascii", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return None


def _redacted_words(value: str, pattern: re.Pattern[str], replacement: str) -> str:
    """Each run of encoded words redacted and encoded again on its own: the rest of the
    header (addresses, separators) keeps its bytes."""

    def redact(match: re.Match[str]) -> str:
        text = _decoded(match.group(0))
        if text is None or not pattern.search(text):
            return match.group(0)
        return Header(pattern.sub(replacement, text), "utf-8").encode()

    return ENCODED_WORDS.sub(redact, value)


def _redacted_header(value: str, pattern: re.Pattern[str], replacement: str) -> str | None:
    """The header's new value, or None when it does not name the person."""
    text = _header_text(value)
    if text is None or not pattern.search(text):
        return None
    if not ENCODED_WORD.search(value):  # raw UTF-8: written back as raw UTF-8
        return pattern.sub(replacement, text).encode().decode("ascii", "surrogateescape")
    redacted = _redacted_words(value, pattern, replacement)
    if pattern.search(_header_text(redacted) or ""):  # a name across plain and encoded words
        text = pattern.sub(replacement, text)
        redacted = text if text.isascii() else Header(text, "utf-8").encode()
    return redacted


def _redact_headers(message: Message, pattern: re.Pattern[str], replacement: str) -> bool:
    """Every part's headers: an encoded one that names the person is written again, in plain
    ASCII when it can be, else as UTF-8 encoded words."""
    changed = False
    for part in message.walk():
        # The values as parsed (8-bit bytes as surrogates), not items()'s Header objects.
        items = list(part.raw_items())
        new_items = []
        for name, value in items:
            redacted = _redacted_header(str(value), pattern, replacement)
            if redacted is not None:
                value, changed = redacted, True
            new_items.append((name, value))
        if new_items != items:
            for name in {name for name, _value in items}:
                del part[name]
            for name, value in new_items:
                part[name] = value
    return changed


def _redact_text_part(part: Message, pattern: re.Pattern[str], replacement: str) -> bool:
    """One text part, decoded from its transfer encoding and charset, redacted, encoded back."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return False
    charset = part.get_content_charset() or "us-ascii"
    try:
        text = data.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return False
    redacted = pattern.sub(replacement, text)
    if redacted == text:
        return False
    encoded = redacted.encode(charset, "replace")  # it decoded: only the replacement is new
    cte = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if cte == "base64":
        part.set_payload(base64.encodebytes(encoded).decode("ascii"))
    elif cte == "quoted-printable":
        part.set_payload(quopri.encodestring(encoded).decode("ascii"))
    else:  # 7bit, 8bit, binary: the bytes as they are, kept through the generator
        part.set_payload(encoded.decode("ascii", "surrogateescape"))
    return True
