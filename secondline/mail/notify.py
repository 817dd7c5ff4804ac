"""Who hears about a ticket event: the requester and watchers, in their own language.

Notifications are rows in an outbox, created in the same transaction as the event. Each waits
the batching window (``NOTIFY_BATCH_SECONDS``, ``batching``) for more changes to its ticket,
so nothing is published when it commits: the relay (``sweep_unqueued``, run by beat every
``NOTIFY_RELAY_SECONDS``) hands the worker the rows whose window has closed, as one task a
sweep. Only with a window of 0 is each commit's batch published once it commits: one task for
all the rows of a commit or, inside ``held_publishes()`` (the importer, the mailbox poll), one
task for many commits; then the relay hands over only rows whose task was never published (the
process died while holding it, or the broker was down), a minute later.

Whatever the window, a row handed over and still pending ``NOTIFY_LEASE_SECONDS`` later (its
task died with the worker or failed on something other than the SMTP server) is handed over
again, until ``NOTIFY_MAX_ATTEMPTS`` tries: then it is marked failed, for the staff to see.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from time import monotonic

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from secondline.accounts.models import User
from secondline.mail import batching
from secondline.mail.models import Notification
from secondline.tickets import events
from secondline.tickets.access import can_see_ticket
from secondline.tickets.choices import Channel
from secondline.tickets.models import Comment, Ticket, TicketEvent

log = logging.getLogger(__name__)
Kind = TicketEvent.Kind

# Events the requester and watchers hear about; others stay in the history.
NOTIFIED_KINDS = frozenset(
    {
        Kind.CREATED,
        Kind.COMMENTED,
        Kind.STATUS_CHANGED,
        Kind.PRIORITY_CHANGED,
        Kind.PRIORITY_SET,
        Kind.DECLINED,
        Kind.ASSIGNED,
        # a duplicate merged into another ticket: its requester learns where it goes on
        Kind.MERGED,
    }
)


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{settings.MAIL_DOMAIN}>"


def recipients_for(event: TicketEvent, watchers: Iterable[User] | None = None) -> list[User]:
    """The people who hear about ``event``; ``watchers`` when the caller knows them already
    (a ticket filed a moment ago), to save asking the database."""
    ticket = event.ticket
    people: dict[int, User] = {}
    candidates = [ticket.requester, *(ticket.watchers.all() if watchers is None else watchers)]
    if event.kind == Kind.ASSIGNED:
        candidates = [ticket.assignee] if ticket.assignee else []
    elif ticket.assignee is not None:
        candidates.append(ticket.assignee)
    for user in candidates:
        if user is None or not user.is_active or not user.email:
            continue
        # A requester or watcher who has moved to another organisation no longer sees the
        # ticket, so no longer hears about it (a rule without a query: tickets/access.py).
        if not can_see_ticket(user, ticket):
            continue
        if not event.is_public and not user.is_contractor:
            continue
        if user.pk == event.actor_id and event.kind != Kind.CREATED:
            continue
        people[user.pk] = user
    return list(people.values())


def ticket_event(
    event: TicketEvent, comment: Comment | None = None, watchers: Iterable[User] | None = None
) -> list[Notification]:
    """Queue the emails this event owes; they go out after the surrounding commit."""
    if event.kind not in NOTIFIED_KINDS:
        return []
    event_public = event.is_public and (comment is None or comment.is_public)
    people = [
        user for user in recipients_for(event, watchers) if event_public or user.is_contractor
    ]
    return queue(event, people, comment=comment)


def queue(
    event: TicketEvent | None,
    people: Iterable[User],
    *,
    comment: Comment | None = None,
    kind: str = "",
    ticket_id: int | None = None,
) -> list[Notification]:
    """Write an outbox row for each person, handed to the worker once the surrounding
    transaction commits. ``kind`` says why they are told (the event's kind by default);
    other apps call this too (the staff's subscriptions, the customer's reminders)."""
    ticket_id = event.ticket_id if event is not None else ticket_id
    assert ticket_id is not None, "a notification is about a ticket"
    rows = [
        Notification(
            ticket_id=ticket_id,
            event=event,
            comment=comment,
            recipient=user,
            to_email=user.email,
            language=user.language or "en",
            kind=kind or (event.kind if event is not None else ""),
            message_id=new_message_id(),
        )
        for user in people
        if user.email
    ]
    Notification.objects.bulk_create(rows)
    if rows and not batching.window():
        # robust: the ticket, comment or event is committed; a failed hand-over is the
        # relay's to repeat, never the caller's error.
        transaction.on_commit(partial(_enqueue, [row.pk for row in rows]), robust=True)
    return rows


def delivery_failed(
    ticket: Ticket, rows: Iterable[Notification], recipient: str, reason: str
) -> TicketEvent:
    """An email of ours that will never arrive (a bounce, or the SMTP server's permanent
    refusal) goes on its ticket as an internal *Email delivery failed* event naming
    ``recipient``; its outbox ``rows`` are marked failed with ``reason``."""
    event = events.record(
        ticket,
        None,
        TicketEvent.Kind.DELIVERY_FAILED,
        Channel.EMAIL,
        field="email",
        new=recipient,
        reason=reason,
        public=False,
    )
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=Notification.Status.FAILED, last_error=reason[:2000]
    )
    return event


# --- handing notifications to the worker ------------------------------------------------------

# A hold publishes at least this often, so that its rows never look abandoned to the sweep.
HOLD_MAX_SECONDS = 10.0
SWEEP_AFTER = dt.timedelta(minutes=1)
SWEEP_TASKS = 20  # tasks a sweep publishes at most; the next sweep takes the rest
# The outbox's note on a notification the relay gave up on.
GAVE_UP = "not sent: handed to the worker {attempts} times without a result"


def lease() -> dt.timedelta:
    """How long a row handed to the worker, or claimed by one, is left to it."""
    return dt.timedelta(seconds=int(getattr(settings, "NOTIFY_LEASE_SECONDS", 900)))


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFY_MAX_ATTEMPTS", 10))


class Hold:
    """Notification ids committed inside ``held_publishes()``, not handed to the worker yet."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self.since = 0.0

    def add(self, ids: list[int]) -> None:
        if not self.ids:
            self.since = monotonic()
        self.ids.extend(ids)
        if monotonic() - self.since >= HOLD_MAX_SECONDS:
            self.flush()

    def flush(self) -> None:
        """Publish what is held as one task, less what the sweep took meanwhile (a hold that
        stalled for over a minute)."""
        ids, self.ids = self.ids, []
        if not ids:
            return
        # Only a hold older than the sweep's grace period can have lost rows to the sweep.
        stalled = monotonic() - self.since >= SWEEP_AFTER.total_seconds()
        publish(_unqueued(ids) if stalled else ids)


_hold: ContextVar[Hold | None] = ContextVar("notification_hold", default=None)


@contextmanager
def held_publishes(*, publish_on_exit: bool = True) -> Iterator[Hold]:
    """Hold the hand-over of notifications committed in this block; publish them together
    when it ends (or at ``flush()``; with ``publish_on_exit=False`` only then, which is the
    caller's to call). Ids held by a process that dies are the sweep's."""
    outer = _hold.get()
    if outer is not None:  # nested: the outer block publishes
        yield outer
        return
    hold = Hold()
    token = _hold.set(hold)
    try:
        yield hold
    finally:
        _hold.reset(token)
        if publish_on_exit:
            hold.flush()


def _enqueue(ids: list[int]) -> None:
    hold = _hold.get()
    if hold is not None:
        hold.add(ids)
    else:
        publish(ids)


def _unqueued(ids: list[int]) -> list[int]:
    try:
        return list(
            Notification.objects.filter(pk__in=ids, queued_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
    except Exception:  # the database hiccuped: publish them all; the task skips sent rows
        log.exception("could not check notifications %s before publishing", ids)
        return ids


def publish(ids: list[int]) -> bool:
    """Hand these committed notifications to the worker as one task, noting first that it
    has them (a task that runs at once may hand them back: ``batching.leave_for_later``).
    Never raises: when the broker is down the rows stay unqueued for the sweep."""
    if not ids:
        return True
    stamp = timezone.now()
    try:
        _mark_queued(ids, stamp)
    except Exception:  # publish all the same; at worst the sweep publishes them once more
        log.exception("could not mark notifications %s as queued", ids)
    if not _send_task(ids):
        try:
            _unmark(ids, stamp)
        except Exception:  # the database hiccuped too: logged for the operator
            log.exception("could not unmark notifications %s", ids)
        return False
    return True


def _send_task(ids: list[int]) -> bool:
    """Publish the delivery task (their batching window, if any, has closed by then)."""
    from secondline.mail.tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids)
    except Exception:
        log.exception("notifications %s not handed to the worker; the sweep will retry", ids)
        return False
    return True


def _mark_queued(ids: list[int], stamp: dt.datetime) -> None:
    Notification.objects.filter(pk__in=ids, queued_at__isnull=True).update(queued_at=stamp)


def _unmark(ids: list[int], stamp: dt.datetime) -> None:
    """Give back to the relay the rows of ``ids`` marked queued at ``stamp`` (no task took them)."""
    Notification.objects.filter(pk__in=ids, queued_at=stamp).update(queued_at=None)


def sweep_unqueued(older_than: dt.timedelta | None = None, limit: int = 500) -> int:
    """Hand the worker the pending notifications no task was published for, ``limit`` rows
    a task; returns how many. By default those whose batching window has closed, or with no
    window those a minute old (their publisher died or the broker was down). Then those whose
    task was published longer than the lease ago and never settled them (``sweep_stranded``).

    A sweep claims its rows with one conditional update stamped with its own time, so two
    sweeps never hand a row over twice; the delivery task itself sends only rows still pending.
    """
    if older_than is None:
        older_than = batching.window() or SWEEP_AFTER
    cutoff = timezone.now() - older_than
    unqueued = Notification.objects.filter(
        status=Notification.Status.PENDING, queued_at__isnull=True, created_at__lte=cutoff
    )
    handed = _hand_over(unqueued, limit, _claim)
    return handed + sweep_stranded(limit)


def sweep_stranded(limit: int = 500) -> int:
    """Hand the worker again the pending notifications whose task was published longer than
    the lease ago (``NOTIFY_LEASE_SECONDS``): it died with its worker, was lost with a broker
    that keeps nothing, or failed on something other than the SMTP server (a database error).
    Each hand-over is a try (``attempts``); a row tried ``NOTIFY_MAX_ATTEMPTS`` times is
    marked failed instead, with the reason, where the outbox shows failed rows."""
    cutoff = timezone.now() - lease()
    stranded = Notification.objects.filter(
        status=Notification.Status.PENDING, queued_at__lte=cutoff
    )
    given_up = stranded.filter(attempts__gte=max_attempts()).select_related("ticket")
    for row in given_up:
        note = GAVE_UP.format(attempts=row.attempts)
        if row.last_error:
            note = f"{note}; the last error: {row.last_error}"
        with transaction.atomic():
            # conditional: a worker that settled it meanwhile keeps its word
            if stranded.filter(pk=row.pk).update(status=Notification.Status.FAILED):
                delivery_failed(row.ticket, [row], row.to_email, note)
        log.error("notification %s failed for good: %s", row.pk, note)
    return _hand_over(
        stranded.filter(attempts__lt=max_attempts()), limit, partial(_reclaim, cutoff=cutoff)
    )


def _hand_over(
    rows: QuerySet[Notification],
    limit: int,
    claim: Callable[[list[int]], tuple[list[int], dt.datetime]],
) -> int:
    """Publish ``rows`` ``limit`` a task, each batch claimed first; how many were handed over."""
    handed = 0
    for _ in range(SWEEP_TASKS):
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:limit])
        if not ids:
            break
        claimed, stamp = claim(ids)
        if claimed and not _send_task(claimed):
            _unmark(claimed, stamp)
            break
        handed += len(claimed)
        if len(ids) < limit:
            break
    return handed


def _claim(ids: list[int]) -> tuple[list[int], dt.datetime]:
    """Mark those of ``ids`` still unqueued as queued now; the ones this call marked."""
    stamp = timezone.now()
    _mark_queued(ids, stamp)
    mine = Notification.objects.filter(pk__in=ids, queued_at=stamp)
    return list(mine.order_by("pk").values_list("pk", flat=True)), stamp


def _reclaim(ids: list[int], cutoff: dt.datetime) -> tuple[list[int], dt.datetime]:
    """Mark those of ``ids`` still stranded (queued before ``cutoff``) as queued now, a try
    more each; the ones this call marked."""
    stamp = timezone.now()
    Notification.objects.filter(
        pk__in=ids, status=Notification.Status.PENDING, queued_at__lte=cutoff
    ).update(queued_at=stamp, attempts=F("attempts") + 1)
    mine = Notification.objects.filter(pk__in=ids, queued_at=stamp)
    return list(mine.order_by("pk").values_list("pk", flat=True)), stamp
