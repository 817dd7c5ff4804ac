"""The email channel's intake: every message goes through ``ingest_message`` and nothing is lost.

1. The raw bytes are stored first, in their own transaction (``store``), so a crash after that
   point loses nothing: the row stays "received" and is processed on the next run. Only the
   header block is read before (``read_envelope``); the parse, with its budget, comes after.
2. ``process`` claims the row with a conditional update and, in the same transaction, turns it
   into a ticket, a comment, a delivery-failure event, or a quarantine entry (``route``). A
   crash rolls the whole step back, so every message is processed exactly once.
3. Anything unexpected ends in the quarantine with the error; agents see it in the back office
   and can retry it or turn it into a ticket for a chosen contact (``quarantine``).

Which ticket or contact a message belongs to is ``routing``; what it becomes is ``filing``; the
importer's batches (``ingest_many``) are ``batches``, built from the steps here.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.mail import filing, headers, limits, routing
from secondline.mail.fingerprint import fingerprint
from secondline.mail.headers import Envelope
from secondline.mail.models import InboundMessage, Mailbox
from secondline.mail.parse import ParsedMessage
from secondline.tickets import files

log = logging.getLogger(__name__)
Status = InboundMessage.Status

LIVE_SOURCES = ("imap", "pipe")
HEADER_END = re.compile(rb"\r?\n\r?\n")


class StoreFailed(Exception):
    """The message could not be stored; the caller must keep it (MTA: EX_TEMPFAIL)."""


@dataclass(frozen=True)
class Outcome:
    """What became of one delivered message. ``status`` is "duplicate" for a re-delivery."""

    message: InboundMessage
    status: str

    @property
    def is_safe(self) -> bool:
        """Stored and settled: the source may now forget the message (flag it, move it)."""
        return self.status in InboundMessage.FINAL


def ingest_message(
    raw: bytes,
    source: str = "import",
    *,
    mailbox: Mailbox | None = None,
    answer_unknown_senders: bool | None = None,
    total_size: int | None = None,
    digest: str | None = None,
) -> Outcome:
    """The one entry point of the email channel: store, then route, one message.

    Raises ``StoreFailed`` only when the message could not be stored (the database is down);
    no input, however malformed, makes it raise. ``total_size`` (and ``digest``, its SHA-256,
    when known) say that ``raw`` is only the beginning of a bigger message that was not read
    whole (the IMAP server's size, the pipe's stream): it is over the limit (``limits``).
    """
    message, created = store(raw, source, mailbox, total_size=total_size, digest=digest)
    return _routed(message, created, source, answer_unknown_senders)


def _routed(
    message: InboundMessage,
    created: bool,
    source: str,
    answer_unknown_senders: bool | None,
) -> Outcome:
    """Route a stored message, unless an earlier delivery of the same bytes settled it. The
    message is parsed only now, its bytes committed."""
    if not created and message.status != Status.RECEIVED:
        return Outcome(message, Status.DUPLICATE)
    if answer_unknown_senders is None:
        answer_unknown_senders = source.startswith(LIVE_SOURCES)
    parsed = parsed_here(bytes(message.raw))
    return Outcome(message, _process_now(message, answer_unknown_senders, parsed, None))


def is_bytes(raw: object) -> bool:
    """Whether ``raw`` is a message's bytes (``bytes``, ``bytearray`` or ``memoryview``)."""
    return isinstance(raw, bytes | bytearray | memoryview)


def as_bytes(raw: bytes) -> bytes:
    """``raw`` as ``bytes``; a ``TypeError`` for anything that is not bytes."""
    if not is_bytes(raw):
        raise TypeError("ingest_message takes the raw message as bytes")
    return bytes(raw)


def row(
    raw: bytes,
    source: str,
    mailbox: Mailbox | None,
    envelope: Envelope,
    digest: str,
    total_size: int | None = None,
) -> InboundMessage:
    """The unsaved row that stores ``raw`` (``digest`` is its ``headers.content_hash``): only
    its beginning when it is over the size limit (``limits.kept``), with its whole size."""
    kept = limits.kept(raw)
    return InboundMessage(
        raw=kept,
        size=max(len(raw), total_size or 0),
        sha256=digest,
        # Of a message not stored whole, only the hash of the whole tells one from another.
        fingerprint=fingerprint(raw) if len(kept) >= max(len(raw), total_size or 0) else digest,
        message_id=envelope.message_id,
        sender=envelope.sender,
        subject=envelope.subject,
        source=source[:120],
        mailbox=mailbox,
    )


def read_envelope(raw: bytes) -> Envelope:
    """The envelope stored with the bytes, read from the header block alone: the body may be
    megabytes, and it is parsed only once the bytes are stored."""
    raw = limits.kept(raw)
    end = HEADER_END.search(raw)
    return headers.envelope(raw[: end.end()] if end else raw)


def parsed_here(raw: bytes) -> ParsedMessage | None:
    """``parse`` of the stored bytes, or None should the parse ever raise (``process`` then
    parses again, and quarantines the message with the error)."""
    try:
        return limits.parse_raw(raw)
    except Exception:  # parse never raises; should it ever, the routing's own try says why
        log.exception("inbound message could not be parsed")
        return None


def _process_now(
    message: InboundMessage,
    answer_unknown_senders: bool,
    parsed: ParsedMessage | None,
    lookups: routing.Lookups | None,
) -> str:
    try:
        # The same bytes (the SHA-256 matched) whether the row is new or a crash left it.
        return process(
            message,
            answer_unknown_senders=answer_unknown_senders,
            parsed=parsed,
            lookups=lookups,
        )
    except Exception:  # the row stays "received"; the sweep or the next run picks it up
        log.exception("inbound message %s could not be processed now", message.pk)
        return Status.RECEIVED


def store(
    raw: bytes,
    source: str,
    mailbox: Mailbox | None = None,
    envelope: Envelope | None = None,
    *,
    total_size: int | None = None,
    digest: str | None = None,
) -> tuple[InboundMessage, bool]:
    """Keep the raw bytes, once: the same bytes delivered again find the row already there.

    ``envelope`` is what ``envelope(raw)`` returns, when the caller has it already.
    """
    raw = as_bytes(raw)
    digest = digest or headers.content_hash(raw)
    try:
        if envelope is None:
            envelope = read_envelope(raw)
        # Insert first: a re-delivery is rare, and the unique hash turns it away (one round
        # trip fewer for every new message than looking before inserting).
        message = row(raw, source, mailbox, envelope, digest, total_size)
        try:
            if connection.in_atomic_block:  # a savepoint keeps the caller's transaction usable
                with transaction.atomic():
                    message.save(force_insert=True)
            else:  # autocommit: the one INSERT is its own transaction, committed at once
                message.save(force_insert=True)
        except IntegrityError:  # delivered before, or by another worker a moment ago
            return InboundMessage.objects.get(sha256=digest), False
    except Exception as exc:
        raise StoreFailed(f"{type(exc).__name__}: {exc}") from exc
    return message, True


def process(
    message: InboundMessage,
    *,
    answer_unknown_senders: bool = False,
    retry: bool = False,
    parsed: ParsedMessage | None = None,
    lookups: routing.Lookups | None = None,
) -> str:
    """Route one stored message exactly once; returns its final status.

    The claim (a conditional update) and the ticket, comment or event it produces commit
    together, so a crash at any point leaves the message "received" with nothing half-done.
    ``parsed`` is ``parse(message.raw)`` and ``lookups`` what its batch looked up at once,
    when the caller has them. Attachment files written by work that was rolled back are
    deleted (``tickets.files``).
    """
    if parsed is None:  # before the transaction: the parse has its budget, but takes time
        parsed = parsed_here(bytes(message.raw))
    try:
        return _process(message, answer_unknown_senders, retry, parsed, lookups)
    finally:
        files.discard_uncommitted()


def _process(
    message: InboundMessage,
    answer_unknown_senders: bool,
    retry: bool,
    parsed: ParsedMessage | None,
    lookups: routing.Lookups | None,
) -> str:
    claimable = InboundMessage.NOT_FILED if retry else (Status.RECEIVED,)
    failure: Exception | None = None
    with transaction.atomic():
        if not _claim(message, claimable):
            message.refresh_from_db(fields=["status"])
            return message.status
        message.error = ""
        try:
            if parsed is None:  # the parse raised: again, for the quarantine to say why
                parsed = limits.parse_raw(bytes(message.raw))
            route(
                message,
                parsed,
                answer_unknown_senders=answer_unknown_senders,
                retry=retry,
                lookups=lookups,
            )
        except Exception as exc:
            # Undo the claim and whatever the routing did; the quarantine is written below in
            # a transaction of its own (no savepoint around the routing on the common path).
            failure = exc
            transaction.set_rollback(True)
        else:
            save_result(message)
    if failure is None:
        return message.status
    log.warning("inbound message %s quarantined: %r", message.pk, failure, exc_info=failure)
    with transaction.atomic():
        if not _claim(message, claimable):  # another worker took it in between
            message.refresh_from_db(fields=["status"])
            return message.status
        set_failed(message, failure)
        save_result(message)
    return message.status


def set_failed(message: InboundMessage, failure: Exception) -> None:
    """Quarantine a message whose routing raised, with the error (its work was undone)."""
    message.result_ticket = message.result_comment = None
    message.status = Status.QUARANTINED
    message.error = headers.clean(
        _("Could not be processed: %(error)s")
        % {"error": f"{type(failure).__name__}: {failure}"[:2000]}
    )


def _claim(message: InboundMessage, claimable: tuple[str, ...]) -> bool:
    """The conditional update that makes this process the only one routing the message."""
    claimed = InboundMessage.objects.filter(pk=message.pk, status__in=claimable).update(
        status=Status.PROCESSING, attempts=F("attempts") + 1
    )
    return bool(claimed)


RESULT_FIELDS = (
    "status",
    "error",
    "processed_at",
    "result_ticket",
    "result_comment",
    "duplicate_of",
    "collides_with",
)


def save_result(message: InboundMessage) -> None:
    """Write what the routing decided, stamped now."""
    message.processed_at = timezone.now()
    message.save(update_fields=RESULT_FIELDS)


def process_pending(older_than: dt.timedelta = dt.timedelta(0), limit: int = 500) -> int:
    """Pick up stored messages a crash left unprocessed; returns how many were processed."""
    cutoff = timezone.now() - older_than
    pending = InboundMessage.objects.filter(status=Status.RECEIVED, received_at__lte=cutoff)
    count = 0
    for message in pending.order_by("pk")[:limit]:
        process(message, answer_unknown_senders=message.source.startswith(LIVE_SOURCES))
        count += 1
    return count


def route(
    message: InboundMessage,
    parsed: ParsedMessage,
    *,
    answer_unknown_senders: bool,
    retry: bool,
    lookups: routing.Lookups | None,
) -> None:
    """Decide what a claimed message becomes; the caller saves the outcome."""
    refusal = limits.refusal(message, parsed)
    if refusal:  # too big or too deep: quarantined unread, and no automatic answer
        message.settle(Status.QUARANTINED, refusal)
        return
    lookups = lookups or routing.Lookups()  # nothing looked up ahead: each on its own
    if message.message_id and not retry:
        earlier = lookups.earlier_with_message_id(message)
        if earlier.same is not None:
            message.duplicate_of_id = earlier.same
            message.settle(
                Status.DUPLICATE,
                _("Delivered again: message #%s has the same Message-ID and content.")
                % earlier.same,
            )
            return
        message.collides_with_id = earlier.other  # a different message: routed, and flagged
    if parsed.bounce is not None:
        filing.delivery_failure(message, parsed, parsed.bounce)
        return
    if not parsed.sender:
        message.settle(Status.QUARANTINED, _("The message has no sender address."))
        return
    ticket, how = routing.find_ticket(parsed, lookups)
    if parsed.automatic:
        filing.set_aside_automatic(message, parsed, ticket)
        return
    if not retry and message.source.startswith(LIVE_SOURCES) and routing.over_rate_limit(message):
        message.settle(
            Status.QUARANTINED,
            _("Too many messages from %(sender)s in a short time (a mail loop?).")
            % {"sender": parsed.sender},
        )
        return
    if how and ticket is None:
        message.settle(Status.QUARANTINED, _("It refers to a ticket that does not exist."))
        return
    contact = lookups.contact(parsed.sender)
    if ticket is not None:
        filing.comment(message, parsed, ticket, contact, how)
        return
    filing.new_ticket(message, parsed, contact, answer_unknown_senders=answer_unknown_senders)
