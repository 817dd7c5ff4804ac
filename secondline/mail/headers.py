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
SURROGATE_RE = re.compile("[\udc80-\udcff]")
FOLD_RE = re.compile(r"\r?\n(?=[ \t])|\r(?=[ \t])")
# The text before the first space is ``[^?\s]*``, not ``[^?]*``: either way the same words
# match, but this way a long run of spaces costs linear time, not quadratic.
SPLIT_WORD_RE = re.compile(r"=\?[^?\s]{1,40}\?[bBqQ]\?[^?\s]*\s[^?]*\?=")
QUOTED_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
COMMENT_RE = re.compile(r"\([^()]*\)")
# "<...>" with the "@" checked afterwards (``_angled``): "<[^<>\s]+@[^<>\s]+>" backtracks
# over every "@" of a long "<a@a@a@..." and takes quadratic time.
ANGLE_ADDR_RE = re.compile(r"<([^<>\s]+)>")
FIELD_RE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")
STRICT_FIELD_RE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:")
FIELD_SPACE_RE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]+:")
HEADER_END_RE = re.compile(rb"\r?\n\r?\n")
KNOWN_FIELDS = frozenset(
    b"from to cc bcc subject date message-id in-reply-to references reply-to sender "
    b"mime-version content-type content-transfer-encoding received return-path".split()
)
EMAIL_IN_TEXT_RE = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")

# Issue 15: "parsing and sanitising have a size and time budget". The standard library's
# decode_header takes time quadratic in the number of encoded words (80,000 of them, a 1 MB
# Subject, took 12 s), so a header value is cut to this many characters before it is decoded:
# far more than any field keeps (a subject 250 characters, a display name 150), and this much
# decodes in milliseconds.
MAX_HEADER_CHARS = 16 * 1024
# Message-IDs kept of In-Reply-To and References: the first, the thread's root (RFC 5537
# 3.4.4 keeps it when a long chain is trimmed), and the most recent; routing looks them all
# up at once (``routing.Lookups``, a batch's worth in one query).
MAX_THREAD_IDS = 100
# A display name is searched for a claimed address in its first characters only: the search
# is quadratic in a long run of letters without an "@", and staff see 150 characters of it.
MAX_CLAIM_CHARS = 1000


@dataclass(frozen=True)
class Envelope:
    """The few header facts the intake stores before anything else is done with a message."""

    message_id: str
    sender: str
    subject: str


def _unescape(value: str, hint: str | None = None) -> str:
    """Raw 8-bit bytes in a header arrive as surrogate escapes; decode them as text (UTF-8,
    else ``hint``, the charset the message declares, else detected)."""
    if value.isascii() or not SURROGATE_RE.search(value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"), hint=hint)


def clean(text: str) -> str:
    """Text any database accepts: no NUL characters (PostgreSQL rejects them)."""
    return text.replace("\x00", "") if "\x00" in text else text


def unfold(value: str) -> str:
    """A header value on one line (RFC 5322 2.2.3), bare CRs and LFs included."""
    if "\n" not in value and "\r" not in value:
        return value
    return FOLD_RE.sub("", value).replace("\r", " ").replace("\n", " ")


def _joined_words(value: str) -> str:
    """Encoded words a sender folded in the middle (illegal, common) made whole again."""
    return SPLIT_WORD_RE.sub(lambda m: "".join(m.group(0).split()), value)


def decode_header_value(value: str, hint: str | None = None) -> str:
    """An RFC 2047 header value to text, tolerating bad encodings and unknown charsets; of a
    value longer than ``MAX_HEADER_CHARS``, only its beginning (``within_budget``)."""
    value = within_budget(clean(unfold(_unescape(str(value), hint))))
    if "=?" not in value:
        return " ".join(value.split())
    try:
        chunks = decode_header(_joined_words(value))
    except Exception:
        return " ".join(value.split())
    parts: list[str] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
        elif charset is None:  # the text between encoded words, escaped by decode_header
            parts.append(chunk.decode("raw-unicode-escape", "replace"))
        else:
            parts.append(decode_text(chunk, charset, hint))
    return clean(" ".join("".join(parts).split()))


def within_budget(value: str, limit: int = MAX_HEADER_CHARS) -> str:
    """``value`` cut to at most ``limit`` characters at its last space, so that no encoded
    word is cut in two (an encoded word holds no space, RFC 2047 section 2); cut at the limit
    itself when it has none."""
    if len(value) <= limit:
        return value
    head = value[: limit + 1]  # a space right after the limit keeps the last word whole
    cut = max(head.rfind(" "), head.rfind("\t"))
    return head[:cut] if cut > 0 else head[:limit]


def header(msg: Message, name: str, hint: str | None = None) -> str:
    """The first value of a header as text; "" if missing or unreadable."""
    values = raw_headers(msg, name, hint)
    return decode_header_value(values[0], hint) if values else ""


def headers(msg: Message, name: str, hint: str | None = None) -> list[str]:
    """Every value of a header, decoded to text."""
    return [decode_header_value(raw, hint) for raw in raw_headers(msg, name, hint)]


def raw_headers(msg: Message, name: str, hint: str | None = None) -> list[str]:
    """Every value of a header as written: unfolded, 8-bit bytes as text, encoded words not
    decoded yet (addresses are read from these, before any display name is decoded)."""
    wanted = name.lower()
    found: list[str] = []
    try:
        for key, raw in msg.raw_items():
            if key.lower() == wanted:
                found.append(clean(unfold(_unescape(str(raw), hint))))
    except Exception:
        return found
    return found


def addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs of raw header values (``raw_headers``).

    Contract (issue 15, "the sender is the address"): the addresses are parsed before any
    encoded word is decoded, so a display name can neither add an address nor, with an
    encoded comma, cut one; the names are decoded afterwards.
    """
    try:
        pairs = getaddresses(values)
    except Exception:
        return []
    found: list[tuple[str, str]] = []
    for name, addr in pairs:
        address = _address(addr)
        if address:
            found.append((decode_header_value(name), address))
    return found


def _address(addr: str) -> str:
    tokens = [token for token in addr.strip().strip("<>").split() if "@" in token]
    address = tokens[-1].strip("<>").lower() if tokens else ""
    local, _, domain = address.partition("@")
    return address if local and domain and "=?" not in address else ""


def sender_of(values: list[str]) -> tuple[str, str]:
    """The (display name, address) of a From header's raw value: of its first mailbox, the
    one address in angle brackets when there is exactly one (an unquoted address before it
    is part of the name, not a second sender), else what the address parser reads.

    Only the first ``MAX_HEADER_CHARS`` characters of the values are read: the sender stands
    at their start, and the address parser takes time in proportion to all it is given.
    """
    values = _first_chars(values)
    if not values:
        return "", ""
    first = _first_mailbox(values[0])
    angled = _angled(QUOTED_RE.sub('""', COMMENT_RE.sub("", first)))
    literal = f"<{angled[0]}>" if len(angled) == 1 else ""
    if literal and literal in first and _address(angled[0]):
        name = first.replace(literal, "", 1).strip().strip('"').strip()
        if name.startswith("(") and name.endswith(")"):
            name = name[1:-1]
        return decode_header_value(name), _address(angled[0])
    found = addresses([first]) or addresses(values)
    return found[0] if found else ("", "")


def _first_chars(values: list[str]) -> list[str]:
    """``values`` up to ``MAX_HEADER_CHARS`` characters in all, each cut by ``within_budget``."""
    kept: list[str] = []
    left = MAX_HEADER_CHARS
    for value in values:
        if left <= 0:
            break
        kept.append(within_budget(value, left))
        left -= len(value)
    return kept


def _angled(value: str) -> list[str]:
    """What ``value`` holds in angle brackets that has an "@" with text before and after it
    (an address in a name-addr, RFC 5322 3.4)."""
    return [found for found in ANGLE_ADDR_RE.findall(value) if "@" in found[1:-1]]


def _first_mailbox(value: str) -> str:
    """The text before the first comma that separates mailboxes (not one in quotes, angle
    brackets or a comment)."""
    depth, quoted, escaped = 0, False, False
    for index, ch in enumerate(value):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif not quoted and ch in "<(":
            depth += 1
        elif not quoted and ch in ">)":
            depth = max(0, depth - 1)
        elif ch == "," and not quoted and depth == 0 and value[:index].strip():
            return value[:index]
    return value


def claimed_address(name: str, address: str) -> str:
    """An address written in a display name that is not the sender's own address ("" if
    none): it is shown to staff as a warning and never used to find a contact."""
    for claimed in EMAIL_IN_TEXT_RE.findall(name[:MAX_CLAIM_CHARS]):
        if claimed.lower() != address.lower():
            return claimed.lower()[:254]
    return ""


def find_message_ids(value: str) -> list[str]:
    return MESSAGE_ID_RE.findall(value)


def thread_ids_in(values: list[str]) -> list[str]:
    """The Message-IDs of raw In-Reply-To or References values (``raw_headers``), read
    without decoding them (an encoded word may not stand in a msg-id, RFC 2047 section 5).

    Of a long chain, the first and the most recent: the first and last ``MAX_HEADER_CHARS``
    characters are read (an ID cut at either end lacks a bracket and is not read), and of
    more than ``MAX_THREAD_IDS`` IDs, the first and the last.
    """
    text = " ".join(values)
    if len(text) > 2 * MAX_HEADER_CHARS:
        text = f"{text[:MAX_HEADER_CHARS]} {text[-MAX_HEADER_CHARS:]}"
    ids = find_message_ids(text)
    if len(ids) <= MAX_THREAD_IDS:
        return ids
    return [ids[0], *ids[len(ids) - MAX_THREAD_IDS + 1 :]]


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
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(repair_folding(raw))
        ids = find_message_ids(header(msg, "Message-ID"))
        sender = sender_of(raw_headers(msg, "From"))[1]
        return envelope_of(ids, sender, header(msg, "Subject"))
    except Exception:
        return Envelope("", "", "")


def envelope_of(ids: list[str], sender: str, subject: str) -> Envelope:
    return Envelope(
        message_id=ids[0][:250] if ids else "",
        sender=sender[:254],
        subject=subject[:250],
    )


def repair_folding(raw: bytes) -> bytes:
    """The header block with badly folded lines (a continuation without its leading space)
    joined to the field before them, so that the fields after them are still read as
    headers and not as the start of the body.

    A line is taken as a continuation only when a well-known field follows it before the
    blank line; otherwise it may be a body that came without the blank line, left as it is.
    """
    end = HEADER_END_RE.search(raw)
    block = raw[: end.start()] if end else raw
    lines = block.split(b"\n")
    if all(STRICT_FIELD_RE.match(line) or line[:1] in b" \t" for line in lines[1:]):
        return raw
    # Found once: looking ahead from every bad line would take time quadratic in their number.
    last_known = max(
        (index for index, line in enumerate(lines) if _is_known_field(line)), default=-1
    )
    repaired = [FIELD_SPACE_RE.sub(b"\\1:", lines[0], count=1)]
    for index, line in enumerate(lines[1:], start=1):
        if FIELD_RE.match(line):  # "Subject  :" (RFC 5322 obsolete syntax) made "Subject:"
            repaired.append(FIELD_SPACE_RE.sub(b"\\1:", line, count=1))
        elif line[:1] in b" \t" or index > last_known:
            repaired.append(line)
        else:
            repaired.append(b" " + line)
    return b"\n".join(repaired) + raw[len(block) :]


def _is_known_field(line: bytes) -> bool:
    match = FIELD_RE.match(line)
    return match is not None and match.group(1).lower() in KNOWN_FIELDS


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
