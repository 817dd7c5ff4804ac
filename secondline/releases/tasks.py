"""Background work of releases: emails after commit, alert delivery, and two beat sweeps."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from secondline.releases import duty, messages, reminders
from secondline.releases.models import InstallationWindow, UpdatePlan, UrgentAlert

log = logging.getLogger(__name__)

MAX_ALERT_ATTEMPTS = 5


@shared_task(acks_late=True)
def send_window_message(window_id: int, kind: str) -> None:
    window = (
        InstallationWindow.objects.select_related(
            "plan__ticket__organization", "plan__target_version", "engineer", "proposed_by"
        )
        .filter(pk=window_id)
        .first()
    )
    if window is not None:
        messages.window_message(window, kind)


@shared_task(acks_late=True)
def send_plan_message(plan_id: int, kind: str) -> None:
    plan = UpdatePlan.objects.select_related("ticket__organization").filter(pk=plan_id).first()
    if plan is not None:
        messages.plan_message(plan, kind)


@shared_task(acks_late=True)
def deliver_alert(alert_id: int) -> str:
    """Send one Urgent alert by email or webhook; failures are retried with back-off."""
    claimed = UrgentAlert.objects.filter(pk=alert_id, status=UrgentAlert.Status.PENDING).update(
        status=UrgentAlert.Status.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return "skipped"
    alert = UrgentAlert.objects.select_related(
        "ticket__organization",
        "ticket__requester",
        "ticket__contract",
        "engineer",
        "callout",
        "webhook",
    ).get(pk=alert_id)
    try:
        if alert.channel == UrgentAlert.Channel.EMAIL:
            messages.alert_email(alert)
        else:
            messages.post_webhook(alert)
    except Exception as exc:  # any failure of SMTP or the gateway: record it and retry
        failed_for_good = alert.attempts >= MAX_ALERT_ATTEMPTS
        UrgentAlert.objects.filter(pk=alert.pk).update(
            status=UrgentAlert.Status.FAILED if failed_for_good else UrgentAlert.Status.PENDING,
            last_error=str(exc)[:2000],
        )
        log.warning("urgent alert %s failed (attempt %s): %s", alert.pk, alert.attempts, exc)
        if not failed_for_good:
            deliver_alert.apply_async((alert.pk,), countdown=30 * alert.attempts)
        return "failed"
    UrgentAlert.objects.filter(pk=alert.pk).update(
        status=UrgentAlert.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


@shared_task
def escalate_unacknowledged() -> int:
    """Beat sweep, every minute: alert the next person where nobody acknowledged."""
    return duty.escalate_unacknowledged()


@shared_task
def send_window_reminders() -> int:
    """Beat sweep: reminders a day and an hour before each agreed window."""
    return reminders.send_due_reminders()
