"""The email channel's intake: every message goes through ``ingest_message`` and nothing is lost.

1. The raw bytes are stored first, in their own transaction (``store``), so a crash after that
   point loses nothing: the row stays "received" and is processed on the next run. (Only the
   parse, pure Python that never raises, comes before: the stored envelope is read from it.)
2. ``process`` claims the row with a conditional update and, in the same transaction, turns it
   into a ticket, a comment, a delivery-failure event, or a quarantine entry. A crash rolls the
   whole step back, so every message is processed exactly once.
3. Anything unexpected ends in the quarantine with the error; agents see it in the back office
   and can retry it or turn it into a ticket for a chosen contact.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.mail import notify, parse
from secondline.mail.models import InboundMessage, Mailbox, Notification, SenderReply
from secondline.tickets import events
from secondline.tickets import services as tickets
from secondline.tickets.access import can_see_ticket
from secondline.tickets.choices import Channel, TicketType
from secondline.tickets.models import Ticket, TicketEvent

log = logging.getLogger(__name__)
Status = InboundMessage.Status

NOT_GIVEN = "(not given in the email)"
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
) -> tuple[InboundMessage, bool, parse.ParsedMessage | None]:
    """``store`` the bytes; parsed once, the envelope stored and the routing share the parse."""
    raw = _as_bytes(raw)
    parsed = _parsed_here(raw)
    message, created = store(raw, source, mailbox, parsed.envelope if parsed else None)
    return message, created, parsed


def _routed(
    message: InboundMessage,
    created: bool,
    source: str,
    parsed: parse.ParsedMessage | None,
    answer_unknown_senders: bool | None,
) -> Outcome:
    """Route a stored message, unless an earlier delivery of the same bytes settled it."""
    if not created and message.status != Status.RECEIVED:
        return Outcome(message, Status.DUPLICATE)
    if answer_unknown_senders is None:
        answer_unknown_senders = source.startswith(LIVE_SOURCES)
    return Outcome(message, _process_now(message, answer_unknown_senders, parsed))


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
    committed first, in their own transaction, then the batch is routed in one transaction,
    each message in a savepoint of its own. A commit costs more than routing a message on
    SQLite, and a crash still leaves every message of the batch stored and unrouted, for the
    re-run. An outcome is yielded once its batch is committed.

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
    with transaction.atomic():  # StoreFailed rolls the batch back; none of it was routed
        stored = [(*_stored(raw, source), source) for raw, source in batch]
    outcomes = []
    routed: set[int] = set()  # the same bytes twice in one batch: the second is a duplicate
    with transaction.atomic():
        for message, created, parsed, source in stored:
            if message.pk in routed:
                outcomes.append(Outcome(message, Status.DUPLICATE))
                continue
            routed.add(message.pk)
            outcomes.append(_routed(message, created, source, parsed, answer_unknown_senders))
    return outcomes


def _parsed_here(raw: bytes) -> parse.ParsedMessage | None:
    try:
        return parse.parse(raw)
    except Exception:  # parse never raises; should it ever, store the bytes all the same
        log.exception("inbound message could not be parsed before storing")
        return None


def _process_now(
    message: InboundMessage, answer_unknown_senders: bool, parsed: parse.ParsedMessage | None
) -> str:
    try:
        # The same bytes (the SHA-256 matched) whether the row is new or a crash left it.
        return process(message, answer_unknown_senders=answer_unknown_senders, parsed=parsed)
    except Exception:  # the row stays "received"; the sweep or the next run picks it up
        log.exception("inbound message %s could not be processed now", message.pk)
        return Status.RECEIVED


def store(
    raw: bytes,
    source: str,
    mailbox: Mailbox | None = None,
    envelope: parse.Envelope | None = None,
) -> tuple[InboundMessage, bool]:
    """Keep the raw bytes, once: the same bytes delivered again find the row already there.

    ``envelope`` is what ``parse.envelope(raw)`` returns, when the caller has it already.
    """
    raw = _as_bytes(raw)
    digest = parse.content_hash(raw)
    try:
        if envelope is None:
            envelope = parse.envelope(raw)
        # Insert first: a re-delivery is rare, and the unique hash turns it away (one round
        # trip fewer for every new message than looking before inserting).
        message = InboundMessage(
            raw=raw,
            size=len(raw),
            sha256=digest,
            message_id=envelope.message_id,
            sender=envelope.sender,
            subject=envelope.subject,
            source=source[:120],
            mailbox=mailbox,
        )
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
    parsed: parse.ParsedMessage | None = None,
) -> str:
    """Route one stored message exactly once; returns its final status.

    The claim (a conditional update) and the ticket, comment or event it produces commit
    together, so a crash at any point leaves the message "received" with nothing half-done.
    ``parsed`` is ``parse.parse(message.raw)`` when the caller has it already.
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
                parsed = parse.parse(bytes(message.raw))
            _route(message, parsed, answer_unknown_senders=answer_unknown_senders, retry=retry)
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
        message.result_ticket = message.result_comment = None
        message.status = Status.QUARANTINED
        message.error = parse.clean(
            _("Could not be processed: %(error)s")
            % {"error": f"{type(failure).__name__}: {failure}"[:2000]}
        )
        _save_result(message)
    return message.status


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


# --- routing --------------------------------------------------------------------------------


def _settle(message: InboundMessage, status: str, why: str = "") -> None:
    message.status = status
    message.error = parse.clean(why)


def _route(
    message: InboundMessage,
    parsed: parse.ParsedMessage,
    *,
    answer_unknown_senders: bool,
    retry: bool,
) -> None:
    if message.message_id and not retry:
        original = (
            InboundMessage.objects.filter(message_id=message.message_id, pk__lt=message.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if original is not None:
            message.duplicate_of_id = original
            _settle(message, Status.DUPLICATE, _("Same Message-ID as message #%s.") % original)
            return
    if parsed.bounce is not None:
        _delivery_failure(message, parsed, parsed.bounce)
        return
    if not parsed.sender:
        _settle(message, Status.QUARANTINED, _("The message has no sender address."))
        return
    ticket, how = find_ticket(parsed)
    if parsed.automatic:
        _automatic(message, parsed, ticket)
        return
    if not retry and message.source.startswith(LIVE_SOURCES) and _over_rate_limit(message):
        _settle(
            message,
            Status.QUARANTINED,
            _("Too many messages from %(sender)s in a short time (a mail loop?).")
            % {"sender": parsed.sender},
        )
        return
    if how and ticket is None:
        _settle(message, Status.QUARANTINED, _("It refers to a ticket that does not exist."))
        return
    if ticket is not None:
        _comment(message, parsed, ticket)
        return
    _new_ticket(message, parsed, answer_unknown_senders=answer_unknown_senders)


THREAD_ID_RE = re.compile(r"^<ticket-(\d{1,12})@(.+)>$")
PLUS_TAG_RE = re.compile(r"\+(SL-\d{1,12})@", re.IGNORECASE)


def find_ticket(parsed: parse.ParsedMessage) -> tuple[Ticket | None, str]:
    """The ticket a reply belongs to, and how we know; (None, "") for a new conversation.

    In order of trust: our own Message-IDs in In-Reply-To/References (notifications, the
    ticket's thread id, the message that opened the ticket), the [SL-123] tag in the subject,
    the plus address support+SL-123@.
    """
    ids = parsed.thread_ids
    if ids:
        for mid in ids:
            match = THREAD_ID_RE.match(mid)
            if match and match.group(2).lower() == settings.MAIL_DOMAIN.lower():
                return _ticket(int(match.group(1))), "thread"
        # The newest row carrying one of the ids (the models' default order: newest first).
        ticket_id = (
            Notification.objects.filter(message_id__in=ids)
            .values_list("ticket_id", flat=True)
            .first()
        ) or (
            InboundMessage.objects.filter(message_id__in=ids, result_ticket__isnull=False)
            .values_list("result_ticket_id", flat=True)
            .first()
        )
        if ticket_id is not None:
            return _ticket(ticket_id), "thread"
    number = Ticket.pk_from_number(parsed.subject)
    if number is not None:
        return _ticket(number), "subject"
    for address in parsed.recipients:
        match = PLUS_TAG_RE.search(address)
        number = Ticket.pk_from_number(match.group(1)) if match else None
        if number is not None and address.endswith("@" + _support_domain()):
            return _ticket(number), "plus"
    return None, ""


def _ticket(pk: int) -> Ticket | None:
    return Ticket.objects.filter(pk=pk).first()


def _support_domain() -> str:
    return settings.SUPPORT_EMAIL.rpartition("@")[2].lower()


def _notification_for(ids: tuple[str, ...]) -> Notification | None:
    return (
        Notification.objects.filter(message_id__in=ids).select_related("ticket").first()
        if ids
        else None
    )


def _delivery_failure(
    message: InboundMessage, parsed: parse.ParsedMessage, bounce: parse.Bounce
) -> None:
    """A bounce of one of our notifications goes on its ticket as an internal event."""
    notification = _notification_for(bounce.message_ids)
    ticket = notification.ticket if notification else None
    if ticket is None:
        for mid in bounce.message_ids:
            match = THREAD_ID_RE.match(mid)
            if match and match.group(2).lower() == settings.MAIL_DOMAIN.lower():
                ticket = Ticket.objects.filter(pk=int(match.group(1))).first()
                break
    if ticket is None:
        _settle(
            message,
            Status.QUARANTINED,
            _("A delivery failure report about a message we did not send (or cannot match)."),
        )
        return
    recipient = (notification.to_email if notification else ", ".join(bounce.recipients)) or _(
        "unknown recipient"
    )
    events.record(
        ticket,
        None,
        TicketEvent.Kind.DELIVERY_FAILED,
        Channel.EMAIL,
        field="email",
        new=recipient,
        reason=bounce.diagnostic or parsed.subject,
        public=False,
    )
    if notification is not None:
        Notification.objects.filter(pk=notification.pk).update(
            status=Notification.Status.FAILED,
            last_error=(bounce.diagnostic or parsed.subject)[:2000],
        )
    message.result_ticket = ticket
    _settle(message, Status.DELIVERY_FAILED)


def _automatic(message: InboundMessage, parsed: parse.ParsedMessage, ticket: Ticket | None) -> None:
    """Automatic mail never opens a ticket, never joins a conversation and is never answered."""
    why = _("Sent automatically (%(why)s).") % {"why": parsed.automatic}
    if ticket is not None:
        message.result_ticket = ticket
        _settle(message, Status.IGNORED, why)
    else:
        _settle(message, Status.QUARANTINED, why)


def _over_rate_limit(message: InboundMessage) -> bool:
    window = dt.timedelta(seconds=settings.MAIL_SENDER_RATE_WINDOW)
    recent = (
        InboundMessage.objects.filter(
            sender=message.sender, received_at__gte=timezone.now() - window, pk__lt=message.pk
        )
        .exclude(status=Status.DUPLICATE)
        .count()
    )
    return recent >= settings.MAIL_SENDER_RATE_LIMIT


def find_contact(address: str) -> User | None:
    """The active user with this address (any case), the oldest account if several."""
    return (
        User.objects.alias(lower_email=Lower("email"))
        .filter(lower_email=Lower(Value(address)), is_active=True)
        .select_related("organization")
        .order_by("pk")
        .first()
    )


def _uploads(parsed: parse.ParsedMessage) -> tuple[list[tickets.UploadedFile], list[str]]:
    """Every attachment as an upload; those over the size limit stay in the raw message."""
    uploads: list[tickets.UploadedFile] = []
    skipped: list[str] = []
    for item in parsed.attachments:
        if len(item.data) > settings.ATTACHMENT_MAX_BYTES:
            skipped.append(item.filename)
            continue
        name = _storable_name(item.filename, len(uploads) + 1)
        uploads.append(
            tickets.UploadedFile(
                name=name,
                content=ContentFile(item.data, name=name),
                size=len(item.data),
                content_type=item.content_type,
                content_id=item.content_id,
            )
        )
    return uploads, skipped


def _storable_name(filename: str, position: int) -> str:
    """The sender's file name when storage can use it, else a neutral one (".." or "[")."""
    try:
        get_valid_filename(filename)
    except SuspiciousFileOperation:
        return f"attachment-{position}"
    return filename


def _with_skipped_note(text: str, skipped: list[str], message: InboundMessage) -> str:
    if not skipped:
        return text
    note = _(
        "Attachments over the size limit are kept with the original email (inbound message "
        "#%(id)s): %(names)s"
    ) % {"id": message.pk, "names": ", ".join(skipped)}
    return f"{text}\n\n[{note}]"


def _comment(message: InboundMessage, parsed: parse.ParsedMessage, ticket: Ticket) -> None:
    author = find_contact(parsed.sender)
    if author is None or not can_see_ticket(author, ticket):
        _settle(
            message,
            Status.QUARANTINED,
            _("%(sender)s may not write on %(number)s.")
            % {"sender": parsed.sender, "number": ticket.number},
        )
        return
    body = parsed.reply_text
    uploads, skipped = _uploads(parsed)
    body = _with_skipped_note(body, skipped, message)
    if not body.strip() and not uploads:
        body = _("(empty message)")
    stripped = len(body) < len(parsed.text.strip())
    comment = tickets.add_comment(
        ticket,
        author,
        body,
        public=True,
        channel=Channel.EMAIL,
        files=uploads,
        body_html="" if stripped else parsed.html,
    )
    message.result_ticket = ticket
    message.result_comment = comment
    _settle(message, Status.COMMENT)


def draft_from(
    parsed: parse.ParsedMessage, default_type: str, chosen_type: str = ""
) -> tickets.NewTicket:
    """The ticket an email asks for.

    Type and priority come from subject tags ([Incident][High], [Инцидент][Высокий]), else the
    mailbox's default type; file_ticket applies the priority rules. An email carries no
    separate incident fields, so: occurred_at is the Date header (or now, if missing, in the
    future or absurd), the description is the body, and impact, steps to reproduce, target
    version and preferred windows say "(not given in the email)" for the agent to ask about.
    """
    tags = parse.subject_tags(parsed.subject)
    ticket_type = chosen_type or tags.type or default_type
    if ticket_type not in TicketType.values:
        ticket_type = TicketType.CONSULTATION
    subject = tags.subject or parsed.subject.strip() or _first_line(parsed.text)
    description = parsed.text.strip() or _("(empty message)")
    draft = tickets.NewTicket(
        type=ticket_type,
        subject=(subject or _("(no subject)"))[:250],
        description=description,
        requested_priority=tags.priority,
    )
    if ticket_type == TicketType.INCIDENT:
        draft.occurred_at = _occurred_at(parsed.date)
        draft.impact = NOT_GIVEN
        draft.steps_to_reproduce = NOT_GIVEN
    elif ticket_type == TicketType.UPDATE_INSTALLATION:
        draft.target_version = NOT_GIVEN
        draft.preferred_windows = NOT_GIVEN
    return draft


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def _occurred_at(date: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if date is None or date > now + dt.timedelta(minutes=5) or date.year < 2000:
        return now
    return date


def _new_ticket(
    message: InboundMessage, parsed: parse.ParsedMessage, *, answer_unknown_senders: bool
) -> None:
    contact = find_contact(parsed.sender)
    if contact is None:
        why = _("%(sender)s is not a known contact of any customer.") % {"sender": parsed.sender}
        _settle(message, Status.QUARANTINED, why)
        if answer_unknown_senders and not parsed.suppress_auto_replies:
            _answer_sender(parsed, reason="")
        return
    if contact.is_contractor:
        _settle(
            message,
            Status.QUARANTINED,
            _("Staff cannot open tickets by email; turn it into a ticket for a customer contact."),
        )
        return
    default_type = message.mailbox.default_ticket_type if message.mailbox else ""
    open_ticket(message, parsed, contact, default_type, answer_unknown_senders)


def open_ticket(
    message: InboundMessage,
    parsed: parse.ParsedMessage,
    contact: User,
    default_type: str = "",
    answer_unknown_senders: bool = False,
) -> Ticket | None:
    draft = draft_from(parsed, default_type or settings.MAIL_DEFAULT_TICKET_TYPE)
    uploads, skipped = _uploads(parsed)
    draft.description = _with_skipped_note(draft.description, skipped, message)
    try:
        # No savepoint of our own: file_ticket writes in its own atomic block, so a refusal
        # (raised before or inside it) leaves nothing behind.
        ticket = tickets.file_ticket(contact, draft, channel=Channel.EMAIL, files=uploads)
    except access.NotAContact as exc:
        _settle(message, Status.QUARANTINED, str(exc))
        if answer_unknown_senders and not parsed.suppress_auto_replies:
            _answer_sender(parsed, reason=str(exc))
        return None
    except ValidationError as exc:
        _settle(message, Status.QUARANTINED, "; ".join(exc.messages))
        return None
    message.result_ticket = ticket
    _settle(message, Status.TICKET)
    return ticket


# --- the one answer to an unknown sender ----------------------------------------------------


def _answerable(address: str) -> bool:
    ours = {settings.SUPPORT_EMAIL.lower(), settings.DEFAULT_FROM_EMAIL.lower()}
    local, _, domain = address.partition("@")
    return (
        bool(local and domain)
        and address not in ours
        and domain != settings.MAIL_DOMAIN.lower()
        and not parse.ROBOT_LOCALPARTS.match(local)
    )


def _answer_sender(parsed: parse.ParsedMessage, reason: str) -> None:
    """Explain how to file a ticket: at most one such email per sender per day."""
    if not _answerable(parsed.sender):
        return
    day = timezone.localdate()
    if SenderReply.objects.filter(email=parsed.sender, day=day).exists():
        return
    try:
        with transaction.atomic():
            reply = SenderReply.objects.create(
                email=parsed.sender,
                day=day,
                reason=reason,
                in_reply_to=parsed.message_id,
                subject=parsed.subject[:250],
            )
    except IntegrityError:
        return
    transaction.on_commit(partial(_send_sender_reply_later, reply.pk))


def _send_sender_reply_later(pk: int) -> None:
    from secondline.mail.tasks import send_sender_reply

    send_sender_reply.delay(pk)


# --- what agents do with the quarantine -----------------------------------------------------


def retry(message: InboundMessage) -> str:
    """Run a quarantined message through the pipeline again (after adding its sender, say)."""
    if message.status not in {Status.QUARANTINED, Status.RECEIVED}:
        raise ValidationError(_("Only quarantined messages can be retried."))
    return process(message, retry=True)


def turn_into_ticket(
    message: InboundMessage, contact: User, actor: User, ticket_type: str = ""
) -> Ticket:
    """An agent files a quarantined message as a ticket of the chosen customer contact."""
    access.require_contractor(actor)
    if not contact.is_customer:
        raise ValidationError({"contact": [_("Choose a customer contact.")]})
    with transaction.atomic():
        claimed = InboundMessage.objects.filter(
            pk=message.pk, status__in=[Status.QUARANTINED, Status.RECEIVED]
        ).update(status=Status.PROCESSING)
        if not claimed:
            raise ValidationError(_("Only quarantined messages can be turned into tickets."))
        message.refresh_from_db()
        parsed = parse.parse(bytes(message.raw))
        draft = draft_from(parsed, settings.MAIL_DEFAULT_TICKET_TYPE, chosen_type=ticket_type)
        uploads, skipped = _uploads(parsed)
        draft.description = _with_skipped_note(draft.description, skipped, message)
        ticket = tickets.file_ticket(contact, draft, channel=Channel.EMAIL, files=uploads)
        events.record(
            ticket,
            actor,
            TicketEvent.Kind.OTHER,
            Channel.EMAIL,
            reason=_("Filed from quarantined email #%(id)s from %(sender)s.")
            % {"id": message.pk, "sender": message.sender or "?"},
            public=False,
        )
        message.result_ticket = ticket
        message.status = Status.TICKET
        message.processed_at = timezone.now()
        message.error = ""
        message.save(update_fields=["result_ticket", "status", "processed_at", "error"])
    return ticket
