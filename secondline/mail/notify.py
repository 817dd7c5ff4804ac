"""Who hears about a ticket event: the requester and watchers, in their own language.

Notifications are rows in an outbox, created in the same transaction as the event and
handed to the mail worker only after that transaction commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction

from secondline.accounts.models import User
from secondline.mail.models import Notification
from secondline.tickets.models import Comment, TicketEvent

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
    rows = [
        Notification(
            ticket=event.ticket,
            event=event,
            comment=comment,
            recipient=user,
            to_email=user.email,
            language=user.language or "en",
            kind=event.kind,
            message_id=new_message_id(),
        )
        for user in recipients_for(event, watchers)
        if event_public or user.is_contractor
    ]
    created = Notification.objects.bulk_create(rows)
    if created:
        transaction.on_commit(partial(_enqueue, [row.pk for row in created]))
    return created


def _enqueue(ids: list[int]) -> None:
    from secondline.mail.tasks import deliver_notification

    for pk in ids:
        deliver_notification.delay(pk)
