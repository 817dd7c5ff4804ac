"""Mail work done by the worker: sending the outbox, polling mailboxes, the pending sweep."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from secondline.celery import retry_countdown
from secondline.mail.models import Notification
from secondline.mail.outbound import build_message

log = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:  # type: ignore[no-untyped-def]
    """Send one queued notification; retried with back-off when the SMTP server fails."""
    claimed = (
        Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING)
        .select_related("ticket", "event", "comment", "ticket__requester")
        .first()
    )
    if claimed is None:
        return "skipped"
    message = build_message(claimed)
    try:
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=claimed.pk).update(
            attempts=claimed.attempts + 1, last_error=str(exc)[:2000]
        )
        if self.request.retries >= self.max_retries:
            Notification.objects.filter(pk=claimed.pk).update(status=Notification.Status.FAILED)
            log.error("notification %s failed for good: %s", claimed.pk, exc)
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, 30)) from exc
    Notification.objects.filter(pk=claimed.pk, status=Notification.Status.PENDING).update(
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        attempts=claimed.attempts + 1,
        subject=message.subject[:300],
    )
    return "sent"


@shared_task(acks_late=True, ignore_result=True)
def poll_mailboxes() -> dict[str, int]:
    """Periodic: fetch new mail from every active mailbox (celery beat, MAIL_POLL_SECONDS)."""
    from secondline.mail import imap

    return {name: result.fetched for name, result in imap.poll_all().items()}


@shared_task(acks_late=True, ignore_result=True)
def process_pending() -> int:
    """Periodic: process stored messages that a crash left unprocessed."""
    from secondline.mail import services

    return services.process_pending(older_than=dt.timedelta(minutes=2))


@shared_task(bind=True, max_retries=8, default_retry_delay=60, acks_late=True)
def send_sender_reply(self, reply_id: int) -> str:  # type: ignore[no-untyped-def]
    """Tell an unknown sender how to file a ticket (once per sender per day)."""
    from secondline.mail.models import SenderReply
    from secondline.mail.outbound import build_sender_reply

    reply = SenderReply.objects.filter(pk=reply_id, sent_at__isnull=True).first()
    if reply is None:
        return "skipped"
    try:
        build_sender_reply(reply).send()
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            log.error("reply to %s failed for good: %s", reply.email, exc)
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, 60)) from exc
    SenderReply.objects.filter(pk=reply.pk).update(sent_at=timezone.now())
    return "sent"
