"""The automation's sweep, every minute from celery beat."""

from __future__ import annotations

from celery import shared_task

from secondline.subscriptions import automation


@shared_task(ignore_result=True)
def run_timers() -> int:
    """Act on the timers that are due: unassigned tickets, reminders, automatic closing."""
    return automation.run_due()
