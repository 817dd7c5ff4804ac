"""Reminders of agreed installation windows: the day before and an hour before.

The sweep claims each reminder with a conditional update on its flag before sending, so
running it twice (or on two workers) never sends a reminder twice.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from secondline.releases import messages
from secondline.releases.models import InstallationWindow

DAY_BEFORE = dt.timedelta(hours=24)
HOUR_BEFORE = dt.timedelta(hours=1)


def _upcoming(now: dt.datetime, lead: dt.timedelta, unsent: str) -> list[InstallationWindow]:
    """Accepted windows starting within ``lead`` whose reminder (the ``unsent`` flag) has not
    gone out: the windows already reminded are not read again every run."""
    return list(
        InstallationWindow.objects.filter(
            status=InstallationWindow.Status.ACCEPTED,
            starts_at__gt=now,
            starts_at__lte=now + lead,
            **{f"{unsent}__isnull": True},
        ).select_related("plan__ticket__organization", "plan__target_version", "engineer")
    )


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Send the reminders that are due; returns how many windows were reminded."""
    now = now or timezone.now()
    sent = 0
    for window in _upcoming(now, HOUR_BEFORE, "reminded_hour_at"):
        # The hour reminder makes a still-unsent day reminder pointless: mark both.
        claimed = InstallationWindow.objects.filter(
            pk=window.pk, reminded_hour_at__isnull=True
        ).update(reminded_hour_at=now, reminded_day_at=Coalesce(F("reminded_day_at"), Value(now)))
        if claimed:
            messages.reminder(window, "hour")
            sent += 1
    for window in _upcoming(now, DAY_BEFORE, "reminded_day_at"):
        claimed = InstallationWindow.objects.filter(
            pk=window.pk, reminded_day_at__isnull=True
        ).update(reminded_day_at=now)
        if claimed:
            messages.reminder(window, "day")
            sent += 1
    return sent
