"""Several changes to one ticket within a short window reach a person as one email.

Every notification waits ``NOTIFY_BATCH_SECONDS`` (60 by default) after the latest change of
its ticket for the same person; then all of them pending go out as one email listing each
change. A ticket changing without pause still gets its email once its oldest pending change is
``NOTIFY_BATCH_MAX_SECONDS`` old (ten minutes by default). With a window of 0 every commit's
notifications go out at once, as before batching.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from secondline.mail.models import Notification


def window() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "NOTIFY_BATCH_SECONDS", 60)))


def longest_wait() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "NOTIFY_BATCH_MAX_SECONDS", 600)))


def group_of(notification: Notification) -> list[Notification]:
    """The pending notifications of one person about one ticket, oldest first."""
    rows = list(
        Notification.objects.filter(
            ticket_id=notification.ticket_id,
            to_email=notification.to_email,
            status=Notification.Status.PENDING,
        )
        .select_related("event", "comment", "comment__author", "recipient")
        .order_by("created_at", "pk")
    )
    return rows or [notification]


def too_early(group: list[Notification], now: dt.datetime) -> bool:
    """Whether the group should wait: its ticket changed within the window, and its oldest
    change has not waited the longest wait yet."""
    if not window():
        return False
    newest, oldest = group[-1].created_at, group[0].created_at
    return now - newest < window() and now - oldest < longest_wait()


def leave_for_later(group: list[Notification]) -> None:
    """Give the group back to the relay (``notify.sweep_unqueued``), which hands it to the
    worker again on a later sweep, until its latest change has waited the window."""
    Notification.objects.filter(
        pk__in=[row.pk for row in group], status=Notification.Status.PENDING
    ).update(queued_at=None)
