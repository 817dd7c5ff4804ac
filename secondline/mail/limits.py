"""The limits on inbound mail: its size, its number of MIME parts, its depth (docs/security.md).

A message over ``MAIL_MAX_MESSAGE_BYTES`` is stored as its first ``MAIL_OVERSIZE_KEEP_BYTES``
with its whole size and SHA-256, and quarantined unread; a message with more than
``MAIL_MAX_PARTS`` leaf parts is processed up to that many, the ticket noting the rest, which
stay in the stored raw message; a tree the parser cannot descend is quarantined; HTML over its
budget (``budget``) is kept as an attachment. Settings are read when a message arrives, never
at import time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from secondline.mail.budget import HtmlBudget
from secondline.mail.models import InboundMessage
from secondline.mail.parse import ParsedMessage, parse

CHUNK = 1024 * 1024


def is_over(size: int) -> bool:
    return size > settings.MAIL_MAX_MESSAGE_BYTES


def kept(raw: bytes) -> bytes:
    """What is stored of ``raw``: all of it, or only its beginning when it is over the limit."""
    return raw[: settings.MAIL_OVERSIZE_KEEP_BYTES] if is_over(len(raw)) else raw


def parse_raw(raw: bytes) -> ParsedMessage:
    """``parse`` with the part limit and the HTML budget of the settings."""
    budget = HtmlBudget(max_bytes=settings.MAIL_HTML_MAX_BYTES, seconds=settings.MAIL_HTML_SECONDS)
    return parse(raw, max_parts=settings.MAIL_MAX_PARTS, html_budget=budget)


@dataclass(frozen=True)
class Read:
    """A message read from a stream: all of it, or its beginning with the whole size and hash."""

    raw: bytes
    size: int
    sha256: str | None  # of the whole message, when ``raw`` is only its beginning


def read_stream(stream: BinaryIO) -> Read:
    """Read one message (the MTA pipe) holding at most the size limit in memory: past it, the
    rest is only hashed and counted, so the MTA's delivery still completes."""
    limit = settings.MAIL_MAX_MESSAGE_BYTES
    raw = stream.read(limit + 1)
    if not is_over(len(raw)):
        return Read(raw, len(raw), None)
    digest = hashlib.sha256(raw)
    size = len(raw)
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return Read(raw[: settings.MAIL_OVERSIZE_KEEP_BYTES], size, digest.hexdigest())


def refusal(message: InboundMessage, parsed: ParsedMessage | None) -> str:
    """Why a stored message is quarantined unread, or "" when it may be routed."""
    if message.is_truncated() or is_over(message.size):
        values = {
            "size": filesizeformat(message.size),
            "limit": filesizeformat(settings.MAIL_MAX_MESSAGE_BYTES),
            "kept": filesizeformat(len(message.raw)),
            "mailbox": message.mailbox.name if message.mailbox else "",
        }
        if message.source.startswith("imap") and message.mailbox:
            return (
                _(
                    "The message is %(size)s, over the limit of %(limit)s: it was not processed. "
                    "It stays in the mailbox “%(mailbox)s”; only its first %(kept)s are kept here."
                )
                % values
            )
        return (
            _(
                "The message is %(size)s, over the limit of %(limit)s: it was not processed, and "
                "only its first %(kept)s are kept."
            )
            % values
        )
    if parsed is not None and parsed.too_deep:
        return _("The message's parts are nested too deeply to read; see its raw source.")
    return ""
