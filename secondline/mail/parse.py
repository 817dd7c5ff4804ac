"""Read a raw email into the plain facts the intake needs. Pure Python: no database, no Django.

Mail from real customers is messy: wrong or missing charset labels (``charsets``), raw 8-bit
headers (``headers``), broken boundaries and bare-CR line ends (``mime``). Nothing here raises
on bad input; ``parse`` always returns a ``ParsedMessage`` and records what it could not read
in ``defects``.
"""

from __future__ import annotations

import datetime as dt
import email
from dataclasses import dataclass, field
from email import policy

from secondline.mail.automatic import Bounce, automatic_reason, bounce_of, suppresses_auto_replies
from secondline.mail.body import html_to_text, strip_quoted
from secondline.mail.budget import HtmlBudget, sanitized_within, text_without_tags
from secondline.mail.charsets import decode_text
from secondline.mail.headers import (
    Envelope,
    addresses,
    claimed_address,
    clean,
    date_of,
    envelope_of,
    find_message_ids,
    header,
    raw_headers,
    repair_folding,
    sender_of,
    thread_ids_in,
)
from secondline.mail.headers import (
    envelope as read_envelope,
)
from secondline.mail.mime import MAX_PARTS, Attachment, Walk, declared_charset, walk_parts


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    sender: str = ""
    sender_name: str = ""
    # An address in the display name that is not the sender's ("Bob <a@x>" is fine, "b@y
    # <a@x>" is not): shown to staff as a warning, never used to find a contact.
    name_claims: str = ""
    # "PGP/MIME", "S/MIME" or "PGP" (inline) when the body is encrypted; the encrypted data
    # is among the attachments.
    encrypted: str = ""
    recipients: list[str] = field(default_factory=list)
    date: dt.datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""
    suppress_auto_replies: bool = False
    bounce: Bounce | None = None
    defects: list[str] = field(default_factory=list)
    # MIME leaf parts past the part limit: not read into bodies or attachments, still in the raw.
    parts_left: int = 0
    # Nested too deeply for the parser (a crafted message): nothing but the envelope is read.
    too_deep: bool = False
    # The HTML was over its budget (``budget``): not sanitized, kept as an attachment.
    html_over_budget: bool = False
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


def parse(
    raw: bytes, max_parts: int = MAX_PARTS, html_budget: HtmlBudget | None = None
) -> ParsedMessage:
    """Everything the intake needs from one raw message; never raises.

    At most ``max_parts`` MIME leaf parts become bodies and attachments; the number of the
    others is ``parts_left``; HTML over ``html_budget`` is kept as an attachment, unsanitized
    (docs/email.md, "Limits").
    """
    html_budget = html_budget or HtmlBudget()
    # compat32 first: it is the most tolerant parser and, since every header is decoded here
    # anyway, twice as fast as policy.default, which remains the fallback.
    for pol in (policy.compat32, policy.default):
        try:
            return _parse(raw, pol, max_parts, html_budget)
        except RecursionError:
            # The stdlib parser recurses once per nesting level (multipart or message/rfc822),
            # so a tree some thousand levels deep exhausts the interpreter's limit, quickly and
            # safely; the other policy would recurse as deep, and the text would be the source.
            found = read_envelope(raw)
            return ParsedMessage(
                message_id=found.message_id,
                sender=found.sender,
                subject=found.subject,
                too_deep=True,
                defects=["MIME tree nested too deeply to read"],
                envelope=found,
            )
        except Exception as exc:  # fall back to the more tolerant parser
            failure = f"{type(exc).__name__}: {exc}"
    text = clean(decode_text(raw))
    return ParsedMessage(text=text, defects=[f"unparseable message ({failure})"])


def _parse(
    raw: bytes, pol: policy.Policy, max_parts: int, html_budget: HtmlBudget
) -> ParsedMessage:
    msg = email.message_from_bytes(repair_folding(raw), policy=pol)
    hint = declared_charset(msg)
    walk = Walk(max_parts=max(0, max_parts), hint=hint)
    walk_parts(msg, walk)
    html = "\n".join(walk.htmls)
    text = "\n\n".join(t.strip("\n") for t in walk.texts if t.strip())
    safe_html = sanitized_within(html, html_budget) if html else ""
    if safe_html is None:
        kept = Attachment("message.html", "text/html", html.encode("utf-8", "replace"))
        walk.attachments.append(kept)
        walk.defects.append("HTML over the budget; kept as an attachment")
        if not text.strip():
            text = text_without_tags(html)
    elif not text.strip() and html:
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    sender_name, sender = sender_of(raw_headers(msg, "From", hint))
    if not sender:
        sender_name, sender = sender_of(raw_headers(msg, "Sender", hint))
    raw_subject = header(msg, "Subject", hint)
    subject = raw_subject.replace("\x00", "")
    recipient_headers = [
        raw
        for name in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
        for raw in raw_headers(msg, name, hint)
    ]
    message_ids = find_message_ids(header(msg, "Message-ID"))
    defects = [*walk.defects, *(type(d).__name__ for d in getattr(msg, "defects", []))]
    return ParsedMessage(
        message_id=message_ids[0][:250] if message_ids else "",
        in_reply_to=thread_ids_in(raw_headers(msg, "In-Reply-To")[:1]),
        references=thread_ids_in(raw_headers(msg, "References")),
        subject=subject,
        sender=sender[:254],
        sender_name=sender_name[:150],
        name_claims=claimed_address(sender_name, sender),
        encrypted=walk.encrypted,
        recipients=[addr for _, addr in addresses(recipient_headers)],
        date=date_of(header(msg, "Date")),
        text=text,
        html=clean(safe_html or ""),
        html_over_budget=safe_html is None,
        attachments=walk.attachments,
        automatic=automatic_reason(msg, sender),
        suppress_auto_replies=suppresses_auto_replies(msg),
        bounce=bounce_of(msg, walk, text, subject, sender),
        defects=defects,
        parts_left=walk.parts_left,
        # The header-only parser reads headers as compat32 does; other policies may not.
        envelope=envelope_of(message_ids, sender, raw_subject) if pol is policy.compat32 else None,
    )
