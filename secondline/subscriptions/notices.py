"""Telling the contractor's staff: a line in their notification list in the desk, and an email
(in their language, batched per ticket with the others: ``mail.batching``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from secondline.accounts.models import User
from secondline.mail import notify
from secondline.mail.models import Notification
from secondline.sla.services import alert_recipients
from secondline.subscriptions import audience
from secondline.subscriptions.models import Notice
from secondline.tickets.models import Comment, Ticket, TicketEvent
from secondline.tickets.signals import Change


def on_change(change: Change) -> list[Notice]:
    """Tell the staff what this change means for them; in the change's transaction."""
    event, ticket = change.event, change.ticket
    told: list[Notice] = []
    kind = audience.notice_kind(change)
    if kind is not None:
        people = [p for p in audience.audience(ticket, kind) if p.pk != event.actor_id]
        told += tell(ticket, people, kind, event=event, comment=change.comment)
    if change.comment is not None and event.kind == TicketEvent.Kind.COMMENTED:
        colleagues = audience.mentioned(change.comment)
        told += tell(ticket, colleagues, Notice.Kind.MENTION, event=event, comment=change.comment)
    return told


def tell(
    ticket: Ticket,
    people: Iterable[User],
    kind: str,
    *,
    event: TicketEvent | None = None,
    comment: Comment | None = None,
) -> list[Notice]:
    """A notice for each person, and an email to those who take them by email and are not
    already emailed about this event (as its assignee or watcher, or by the SLA alert)."""
    people = list(people)
    notices = Notice.objects.bulk_create(
        Notice(recipient=person, ticket=ticket, event=event, kind=kind) for person in people
    )
    by_email = [person for person in people if audience.subscription_of(person).by_email]
    if kind == Notice.Kind.ASSIGNED:
        by_email = []  # the assignee's email is the mail channel's own
    if by_email:
        emailed = _already_emailed(ticket, event, kind)
        by_email = [person for person in by_email if person.pk not in emailed]
        notify.queue(event, by_email, comment=comment, kind=kind, ticket_id=ticket.pk)
    return notices


def _already_emailed(ticket: Ticket, event: TicketEvent | None, kind: str) -> set[int]:
    if event is None:
        return set()
    if kind in audience.SLA_NOTICES.values():
        return {person.pk for person in alert_recipients(ticket)}
    return set(
        Notification.objects.filter(event=event, recipient__isnull=False).values_list(
            "recipient_id", flat=True
        )
    )


def unassigned_too_long(ticket: Ticket) -> list[Notice]:
    """The ticket has waited unassigned for ``NOTIFY_UNASSIGNED_MINUTES`` business minutes."""
    people = audience.audience(ticket, Notice.Kind.UNASSIGNED)
    return tell(ticket, people, Notice.Kind.UNASSIGNED)


# -- the list in the desk ----------------------------------------------------------------------


def notices_of(person: User) -> QuerySet[Notice]:
    return (
        Notice.objects.filter(recipient=person)
        .select_related("ticket", "event__actor")
        .order_by("-created_at", "-id")
    )


def unread_count(person: User) -> int:
    return Notice.objects.filter(recipient=person, read_at__isnull=True).count()


def mark_read(person: User, notice_id: int) -> bool:
    """Mark one of the person's notices read; False when it is not theirs (or not there)."""
    found = Notice.objects.filter(recipient=person, pk=notice_id)
    found.filter(read_at__isnull=True).update(read_at=timezone.now())
    return found.exists()


def mark_all_read(person: User) -> int:
    return Notice.objects.filter(recipient=person, read_at__isnull=True).update(
        read_at=timezone.now()
    )
