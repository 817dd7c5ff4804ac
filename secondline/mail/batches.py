"""The importer's batches: ``ingest_many`` stores many messages, then routes them, per transaction.

What ``secondline mail import`` runs. Each message goes through the same steps as in
``intake.ingest_message`` (stored first, claimed, routed once, quarantined on error), a batch
at a time: a SQLite commit costs more than routing a message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F

# The intake's steps are called through the module (``intake.route``), so that a test that
# replaces one of them replaces it for both paths.
from secondline.mail import headers, intake, limits, notify, routing
from secondline.mail.intake import LIVE_SOURCES, Outcome, StoreFailed
from secondline.mail.models import InboundMessage
from secondline.mail.parse import ParsedMessage
from secondline.search import documents
from secondline.tickets import files

log = logging.getLogger(__name__)
Status = InboundMessage.Status

PUBLISH_EVERY = 200  # messages whose notifications ingest_many hands to the worker at once
BATCH_SIZE = 50  # messages ingest_many stores, then routes, per transaction
T = TypeVar("T")


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
    senders' contacts, the earlier Message-IDs and the tickets the replies' thread ids name
    looked up once for the batch (``routing.Lookups``). A commit costs more than routing a
    message on SQLite, and a crash still leaves every message of the batch stored and
    unrouted, for the re-run. An outcome is yielded once its batch is committed.

    The notifications of every ``publish_every`` messages go to the worker as one task
    (``notify.held_publishes``); those of a run that dies before handing them over are sent
    by the notification sweep.
    """
    with notify.held_publishes() as hold:
        count = 0
        for batch in _batches(messages, max(1, batch_size)):
            bad = next((i for i, item in enumerate(batch) if not intake.is_bytes(item[0])), None)
            for outcome in _ingest_batch(batch[:bad], answer_unknown_senders):
                yield outcome
                count += 1
                if count % publish_every == 0:
                    hold.flush()
            if bad is not None:  # the messages before it are in; this one is refused
                intake.as_bytes(batch[bad][0])


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
    # Parsed only once the batch's bytes are committed, each within its budget (``limits``).
    stored = [
        (message, created, _parsed(message, created), source)
        for message, created, source in _store_batch(batch)
    ]
    try:
        return _route_batch(stored, answer_unknown_senders)
    except Exception:  # the rows stay "received"; the sweep or the next run picks them up
        log.exception("a batch of %s inbound messages could not be processed now", len(stored))
        return [Outcome(message, _unrouted(message, created)) for message, created, *_ in stored]
    finally:
        files.discard_uncommitted()  # of the messages whose savepoint was rolled back


def _parsed(message: InboundMessage, created: bool) -> ParsedMessage | None:
    if _unrouted(message, created) != Status.RECEIVED:
        return None  # a re-delivery of settled bytes: nothing to read
    return intake.parsed_here(bytes(message.raw))


def _unrouted(message: InboundMessage, created: bool) -> str:
    settled = not created and message.status != Status.RECEIVED
    return Status.DUPLICATE if settled else Status.RECEIVED


def _route_batch(stored: list[Stored], answer_unknown_senders: bool | None) -> list[Outcome]:
    """``process`` for a whole batch, in one transaction: the batch is claimed with one
    conditional update; each message is routed in a savepoint of its own, so a message whose
    routing fails is quarantined alone, and a crash rolls the claim back with the rest. The
    search documents of the batch's new tickets are written together before it commits."""
    outcomes = []
    with transaction.atomic(), documents.new_documents_together():
        lookups = _lookups(stored)
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
            intake.save_result(message)
            outcomes.append(Outcome(message, message.status))
    return outcomes


def _lookups(stored: list[Stored]) -> routing.Lookups:
    """What routing looks up for the batch's messages at once (``routing.Lookups``)."""
    parses = [parsed for _, _, parsed, _ in stored if parsed]
    return routing.Lookups(
        senders=[parsed.sender for parsed in parses],
        message_ids=[message.message_id for message, *_ in stored],
        thread_ids=[mid for parsed in parses for mid in parsed.thread_ids],
        tickets=[pk for parsed in parses for pk in routing.named_tickets(parsed)],
    )


def _claim_batch(pks: list[int]) -> set[int]:
    """The claim of ``intake.process`` for many rows at once; returns the ones claimed. A
    claim commits with the routing's result, so a committed row is never "processing": the
    rows this transaction sees "processing" are the ones it claimed."""
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
                parsed = limits.parse_raw(bytes(message.raw))
            intake.route(
                message,
                parsed,
                answer_unknown_senders=answer_unknown_senders,
                retry=False,
                lookups=lookups,
            )
    except Exception as exc:
        log.warning("inbound message %s quarantined: %r", message.pk, exc, exc_info=exc)
        intake.set_failed(message, exc)


Stored = tuple[InboundMessage, bool, ParsedMessage | None, str]  # row, created, parse, source


def _store_batch(batch: Sequence[tuple[bytes, str]]) -> list[tuple[InboundMessage, bool, str]]:
    """``store`` for each message of a batch, in one transaction: the rows already there are
    read with one query, the new ones written with one ``bulk_create``. Should another worker
    store some of the same bytes in between, the batch is stored one message at a time.
    Only the header blocks are read (``intake.read_envelope``); returns (row, created, source)."""
    items = list(map(_bytes_first, batch))
    digests = [headers.content_hash(raw) for raw, _source in items]
    try:
        with transaction.atomic():  # StoreFailed rolls the batch back; none of it was routed
            rows = InboundMessage.objects.in_bulk(digests, field_name="sha256")
            new: dict[str, InboundMessage] = {}
            for (raw, source), digest in zip(items, digests, strict=True):
                if digest not in rows and digest not in new:
                    envelope = intake.read_envelope(raw)
                    new[digest] = intake.row(raw, source, None, envelope, digest)
            InboundMessage.objects.bulk_create(new.values())
    except IntegrityError:  # delivered by another worker a moment ago
        with transaction.atomic():
            return [(*intake.store(raw, source), source) for raw, source in items]
    except Exception as exc:
        raise StoreFailed(f"{type(exc).__name__}: {exc}") from exc
    return [
        (rows.get(digest) or new[digest], digest not in rows, source)
        for (_raw, source), digest in zip(items, digests, strict=True)
    ]


def _bytes_first(item: tuple[bytes, str]) -> tuple[bytes, str]:
    raw, source = item
    return intake.as_bytes(raw), source
