"""The email channel's intake: every message goes through ``ingest_message`` and nothing is lost.

1. The raw bytes are stored first, in their own transaction (``store``), so a crash after that
   point loses nothing: the row stays "received" and is processed on the next run. (Only the
   parse, pure Python that never raises, comes before: the stored envelope is read from it.)
2. ``process`` claims the row with a conditional update and, in the same transaction, turns it
   into a ticket, a comment, a delivery-failure event, or a quarantine entry (``_route``). A
   crash rolls the whole step back, so every message is processed exactly once.
3. Anything unexpected ends in the quarantine with the error; agents see it in the back office
   and can retry it or turn it into a ticket for a chosen contact (``quarantine``).

Which ticket or contact a message belongs to is ``routing``; what it becomes is ``filing``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.mail import filing, headers, notify, routing
from secondline.mail.headers import Envelope
from secondline.mail.models import InboundMessage, Mailbox
from secondline.mail.parse import ParsedMessage, parse

log = logging.getLogger(__name__)
Status = InboundMessage.Status

LIVE_SOURCES = ("imap", "pipe")
PUBLISH_EVERY = 200  # messages whose notifications ingest_many hands to the worker at once
BATCH_SIZE = 50  # messages ingest_many stores, then routes, per transaction
T = TypeVar("T")


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
) -> Outcome:
    """The one entry point of the email channel: store, then route, one message.

    Raises ``StoreFailed`` only when the message could not be stored (the database is down);
    no input, however malformed, makes it raise.
    """
    message, created, parsed = _stored(raw, source, mailbox)
    return _routed(message, created, source, parsed, answer_unknown_senders)


def _stored(
    raw: bytes, source: str, mailbox: Mailbox | None = None
) -> tuple[InboundMessage, bool, ParsedMessage | None]:
    """``store`` the bytes; parsed once, the envelope stored and the routing share the parse."""
    raw = _as_bytes(raw)
    parsed = _parsed_here(raw)
    message, created = store(raw, source, mailbox, parsed.envelope if parsed else None)
    return message, created, parsed


def _routed(
    message: InboundMessage,
    created: bool,
    source: str,
    parsed: ParsedMessage | None,
    answer_unknown_senders: bool | None,
    lookups: routing.Lookups | None = None,
) -> Outcome:
    """Route a stored message, unless an earlier delivery of the same bytes settled it."""
    if not created and message.status != Status.RECEIVED:
        return Outcome(message, Status.DUPLICATE)
    if answer_unknown_senders is None:
        answer_unknown_senders = source.startswith(LIVE_SOURCES)
    return Outcome(message, _process_now(message, answer_unknown_senders, parsed, lookups))


def _is_bytes(raw: object) -> bool:
    return isinstance(raw, bytes | bytearray | memoryview)


def _as_bytes(raw: bytes) -> bytes:
    if not _is_bytes(raw):
        raise TypeError("ingest_message takes the raw message as bytes")
    return bytes(raw)


def ingest_many(
    messages: Iterable[tuple[bytes, str]],
    *,
    answer_unknown_senders: bool | None = None,
    publish_every: int = PUBLISH_EVERY,
    batch_size: int = BATCH_SIZE,
) -> Iterator[Outcome]:
    """``ingest_message`` for each (raw, source) in turn: what ``secondline mail import`` runs.

    They go in batches of ``batch_size`` (``_ingest_batch``): the raw bytes of a batch are
    committed first, in their own transaction (``_store_batch``: one lookup, one
    ``bulk_create``), then the batch is routed in one transaction (``_route_batch``): claimed
    with one conditional update, each message routed in a savepoint of its own, with the
    senders' contacts and the earlier Message-IDs looked up once for the batch
    (``routing.Lookups``). A commit costs more than routing a message on SQLite, and a
    crash still leaves every message of the batch stored and unrouted, for the re-run. An
    outcome is yielded once its batch is committed.

    The notifications of every ``publish_every`` messages go to the worker as one task
    (``notify.held_publishes``); those of a run that dies before handing them over are sent
    by the notification sweep.
    """
    with notify.held_publishes() as hold:
        count = 0
        for batch in _batches(messages, max(1, batch_size)):
            bad = next((i for i, item in enumerate(batch) if not _is_bytes(item[0])), None)
            for outcome in _ingest_batch(batch[:bad], answer_unknown_senders):
                yield outcome
                count += 1
                if count % publish_every == 0:
                    hold.flush()
            if bad is not None:  # the messages before it are in; this one is refused
                _as_bytes(batch[bad][0])


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _ingest_batch(
    batch: Sequence[tuple[bytes, str]],
    answer_unknown_senders: bool | None,
) -> list[Outcome]:
    """Store a batch's raw bytes in one transaction, then route it in another."""
    if not batch:
        return []
    stored = _store_batch(batch)
    try:
        return _route_batch(stored, answer_unknown_senders)
    except Exception:  # the rows stay "received"; the sweep or the next run picks them up
        log.exception("a batch of %s inbound messages could not be processed now", len(stored))
        return [Outcome(message, _unrouted(message, created)) for message, created, *_ in stored]


def _unrouted(message: InboundMessage, created: bool) -> str:
    settled = not created and message.status != Status.RECEIVED
    return Status.DUPLICATE if settled else Status.RECEIVED


def _route_batch(stored: list[Stored], answer_unknown_senders: bool | None) -> list[Outcome]:
    """``process`` for a whole batch, in one transaction: the batch is claimed with one
    conditional update; each message is routed in a savepoint of its own, so a message whose
    routing fails is quarantined alone, and a crash rolls the claim back with the rest."""
    outcomes = []
    with transaction.atomic():
        lookups = routing.Lookups(
            senders=[parsed.sender for _, _, parsed, _ in stored if parsed],
            message_ids=[message.message_id for message, *_ in stored],
        )
        claimed = _claim_batch(
            [
                message.pk
                for message, created, *_ in stored
                if _unrouted(message, created) == Status.RECEIVED
            ]
        )
        routed: set[int] = set()  # the same bytes twice in one batch: the second is a duplicate
        for message, created, parsed, source in stored:
            if message.pk in routed or _unrouted(message, created) == Status.DUPLICATE:
                outcomes.append(Outcome(message, Status.DUPLICATE))
                continue
            routed.add(message.pk)
            if message.pk not in claimed:  # another worker has it, or had it
                message.refresh_from_db(fields=["status"])
                outcomes.append(Outcome(message, message.status))
                continue
            if answer_unknown_senders is None:
                answer = source.startswith(LIVE_SOURCES)
            else:
                answer = answer_unknown_senders
            _route_claimed(message, parsed, answer, lookups)
            _save_result(message)
            outcomes.append(Outcome(message, message.status))
    return outcomes


def _claim_batch(pks: list[int]) -> set[int]:
    """``_claim`` for many rows at once; returns the ones claimed. A claim commits with the
    routing's result, so a committed row is never "processing": the rows this transaction
    sees "processing" are the ones it claimed."""
    rows = InboundMessage.objects.filter(pk__in=pks)
    claimed = rows.filter(status=Status.RECEIVED).update(
        status=Status.PROCESSING, attempts=F("attempts") + 1
    )
    if claimed == len(pks):
        return set(pks)
    return set(rows.filter(status=Status.PROCESSING).values_list("pk", flat=True))


def _route_claimed(
    message: InboundMessage,
    parsed: ParsedMessage | None,
    answer_unknown_senders: bool,
    lookups: routing.Lookups,
) -> None:
    """Route a message its batch claimed, in a savepoint: a failure undoes its work alone."""
    message.error = ""
    try:
        with transaction.atomic():
            if parsed is None:
                parsed = parse(bytes(message.raw))
            _route(
                message,
                parsed,
                answer_unknown_senders=answer_unknown_senders,
                retry=False,
                lookups=lookups,
            )
    except Exception as exc:
        log.warning("inbound message %s quarantined: %r", message.pk, exc, exc_info=exc)
        _set_failed(message, exc)


Stored = tuple[InboundMessage, bool, ParsedMessage | None, str]  # row, created, parse, source


def _store_batch(batch: Sequence[tuple[bytes, str]]) -> list[Stored]:
    """``store`` for each message of a batch, in one transaction: the rows already there are
    read with one query, the new ones written with one ``bulk_create``. Should another worker
    store some of the same bytes in between, the batch is stored one message at a time."""
    items = [(raw, source, _parsed_here(raw)) for raw, source in map(_bytes_first, batch)]
    digests = [headers.content_hash(raw) for raw, _source, _parsed in items]
    try:
        with transaction.atomic():  # StoreFailed rolls the batch back; none of it was routed
            rows = InboundMessage.objects.in_bulk(digests, field_name="sha256")
            new: dict[str, InboundMessage] = {}
            for (raw, source, parsed), digest in zip(items, digests, strict=True):
                if digest not in rows and digest not in new:
                    found = parsed.envelope if parsed else None
                    new[digest] = _row(raw, source, None, found or headers.envelope(raw), digest)
            InboundMessage.objects.bulk_create(new.values())
    except IntegrityError:  # delivered by another worker a moment ago
        with transaction.atomic():
            return [(*_stored(raw, source), source) for raw, source, _parsed in items]
    except Exception as exc:
        raise StoreFailed(f"{type(exc).__name__}: {exc}") from exc
    return [
        (rows.get(digest) or new[digest], digest not in rows, parsed, source)
        for (_raw, source, parsed), digest in zip(items, digests, strict=True)
    ]


def _bytes_first(item: tuple[bytes, str]) -> tuple[bytes, str]:
    raw, source = item
    return _as_bytes(raw), source


def _row(
    raw: bytes, source: str, mailbox: Mailbox | None, envelope: Envelope, digest: str
) -> InboundMessage:
    return InboundMessage(
        raw=raw,
        size=len(raw),
        sha256=digest,
        message_id=envelope.message_id,
        sender=envelope.sender,
        subject=envelope.subject,
        source=source[:120],
        mailbox=mailbox,
    )


def _parsed_here(raw: bytes) -> ParsedMessage | None:
    try:
        return parse(raw)
    except Exception:  # parse never raises; should it ever, store the bytes all the same
        log.exception("inbound message could not be parsed before storing")
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
) -> tuple[InboundMessage, bool]:
    """Keep the raw bytes, once: the same bytes delivered again find the row already there.

    ``envelope`` is what ``envelope(raw)`` returns, when the caller has it already.
    """
    raw = _as_bytes(raw)
    digest = headers.content_hash(raw)
    try:
        if envelope is None:
            envelope = headers.envelope(raw)
        # Insert first: a re-delivery is rare, and the unique hash turns it away (one round
        # trip fewer for every new message than looking before inserting).
        message = _row(raw, source, mailbox, envelope, digest)
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
    when the caller has them.
    """
    claimable = (Status.RECEIVED, Status.QUARANTINED) if retry else (Status.RECEIVED,)
    failure: Exception | None = None
    with transaction.atomic():
        if not _claim(message, claimable):
            message.refresh_from_db(fields=["status"])
            return message.status
        message.error = ""
        try:
            if parsed is None:
                parsed = parse(bytes(message.raw))
            _route(
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
            _save_result(message)
    if failure is None:
        return message.status
    log.warning("inbound message %s quarantined: %r", message.pk, failure, exc_info=failure)
    with transaction.atomic():
        if not _claim(message, claimable):  # another worker took it in between
            message.refresh_from_db(fields=["status"])
            return message.status
        _set_failed(message, failure)
        _save_result(message)
    return message.status


def _set_failed(message: InboundMessage, failure: Exception) -> None:
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
)


def _save_result(message: InboundMessage) -> None:
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


def _route(
    message: InboundMessage,
    parsed: ParsedMessage,
    *,
    answer_unknown_senders: bool,
    retry: bool,
    lookups: routing.Lookups | None,
) -> None:
    """Decide what a claimed message becomes; the caller saves the outcome."""
    lookups = lookups or routing.Lookups()  # nothing looked up ahead: each on its own
    if message.message_id and not retry:
        original = lookups.earlier_with_message_id(message)
        if original is not None:
            message.duplicate_of_id = original
            message.settle(Status.DUPLICATE, _("Same Message-ID as message #%s.") % original)
            return
    if parsed.bounce is not None:
        filing.delivery_failure(message, parsed, parsed.bounce)
        return
    if not parsed.sender:
        message.settle(Status.QUARANTINED, _("The message has no sender address."))
        return
    ticket, how = routing.find_ticket(parsed)
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
        filing.comment(message, parsed, ticket, contact)
        return
    filing.new_ticket(message, parsed, contact, answer_unknown_senders=answer_unknown_senders)
