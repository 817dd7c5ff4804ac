"""The content fingerprint of a raw message: what stays the same when one message reaches us
twice by different routes. Pure Python.

Two deliveries of one message differ only in what the way added: the trace fields that every
relay prepends (RFC 5322 section 3.6.7: ``Received``, ``Return-Path``), the fields delivery
agents and filters add in the same way, an mbox ``From`` line, and line ends (the IMAP server
gives CRLF, the MTA pipe LF). The fingerprint is the SHA-256 of the message without those. A
message with the same Message-ID and another fingerprint is a different message.
"""

from __future__ import annotations

import hashlib
import re

# Fields added on the way, not by the sender: relays, delivery agents, spam and virus filters.
ADDED_ON_THE_WAY = re.compile(
    rb"(?:received|return-path|delivered-to|x-original-to|envelope-to|x-envelope-(?:from|to)"
    rb"|received-spf|authentication-results|arc-[a-z-]+|x-received|x-spam-[a-z-]+"
    rb"|x-virus-[a-z-]+)[ \t]*:",
    re.IGNORECASE,
)


def fingerprint(raw: bytes) -> str:
    """The SHA-256 of ``raw`` without what a route adds (see the module's docstring)."""
    text = raw.replace(b"\r\n", b"\n")
    if text.startswith(b"From "):  # an mbox separator line, written by the delivery agent
        text = text.partition(b"\n")[2]
    head, blank, body = text.partition(b"\n\n")
    digest = hashlib.sha256()
    added = False
    for line in head.split(b"\n"):
        if not line.startswith((b" ", b"\t")):  # a new field; a folded line continues one
            added = bool(ADDED_ON_THE_WAY.match(line))
        if not added:
            digest.update(line + b"\n")
    digest.update(blank + body.rstrip(b"\n"))
    return digest.hexdigest()
