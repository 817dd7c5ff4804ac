"""Mail work done by the worker: sending the outbox, polling mailboxes, the pending sweep."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from secondline.celery import retry_countdown
from secondline.mail import batching, imap, intake, notify, oauth2
from secondline.mail.models import Notification, SenderReply, UrgentConfirmation
from secondline.mail.outbound import build_message, build_sender_reply
from secondline.mail.urgent import confirmation_email
from secondline.tickets.access import can_see_ticket

log = logging.getLogger(__name__)

# The outbox's note on a notification left unsent because its recipient lost sight of the ticket.
NO_LONGER_SEES = "not sent: the recipient can no longer see this ticket"


def _send(notification_id: int) -> tuple[str, Exception | None]:
    """Send one notification if it is still pending, together with every other pending one
    for the same person about the same ticket: ("sent", "skipped" or "waiting", None), or
    ("retry", the SMTP server's error). "waiting": the ticket changed a moment ago, so the
    email waits for the batching window to end (``batching``). One whose recipient may no
    longer see the ticket (``can_see_ticket``) is skipped unsent, with the reason."""
    claimed = (
        Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING)
        .select_related("ticket", "event", "comment", "ticket__requester", "recipient")
        .first()
    )
    if claimed is None:
        return "skipped", None
    recipient = claimed.recipient
    if recipient is not None and not can_see_ticket(recipient, claimed.ticket):
        # Queued before the person moved to another organisation (or was deactivated): the
        # email would carry a ticket they may no longer read. Its pending siblings go with it.
        Notification.objects.filter(
            ticket_id=claimed.ticket_id, recipient=recipient, status=Notification.Status.PENDING
        ).update(status=Notification.Status.SKIPPED, last_error=NO_LONGER_SEES)
        return "skipped", None
    group = batching.group_of(claimed)
    if batching.too_early(group, timezone.now()):
        batching.leave_for_later(group)
        return "waiting", None
    message = build_message(claimed, group)
    try:
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=claimed.pk).update(
            attempts=claimed.attempts + 1, last_error=str(exc)[:2000]
        )
        return "retry", exc
    now, subject = timezone.now(), message.subject[:300]
    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    pending.filter(pk=claimed.pk).update(
        status=Notification.Status.SENT, sent_at=now, attempts=claimed.attempts + 1, subject=subject
    )
    # The others went out in this email: skipped, so that threading never names their ids.
    pending.filter(pk__in=[row.pk for row in group if row.pk != claimed.pk]).update(
        status=Notification.Status.SKIPPED,
        sent_at=now,
        subject=subject,
        last_error=f"sent in one email with {claimed.message_id}",
    )
    return "sent", None


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    """Send one queued notification; retried with back-off when the SMTP server fails."""
    result, exc = _send(notification_id)
    if exc is None:
        return result
    if self.request.retries >= self.max_retries:
        Notification.objects.filter(pk=notification_id).update(status=Notification.Status.FAILED)
        log.error("notification %s failed for good: %s", notification_id, exc)
        return "failed"
    raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, 30)) from exc


@shared_task(acks_late=True, ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Send the notifications of one commit (or of a held batch) in one task.

    A notification the SMTP server refuses goes on alone as ``deliver_notification``, with
    its back-off; one that cannot be built is logged and left pending, as a failing
    ``deliver_notification`` leaves it, without stopping the others.
    """
    counts = {"sent": 0, "skipped": 0, "waiting": 0, "retry": 0, "error": 0}
    for pk in notification_ids:
        try:
            result, exc = _send(pk)
        except Exception:
            log.exception("notification %s could not be sent", pk)
            counts["error"] += 1
            continue
        counts[result] += 1
        if exc is not None:
            _retry_alone(pk)
    return counts


def _retry_alone(pk: int) -> None:
    try:
        deliver_notification.apply_async((pk,), countdown=retry_countdown(0, 30))
    except Exception:  # broker down: the sweep hands it over again
        log.exception("notification %s: retry not queued; left for the sweep", pk)
        Notification.objects.filter(pk=pk).update(queued_at=None)


@shared_task(acks_late=True, ignore_result=True)
def sweep_notifications() -> int:
    """Periodic (``NOTIFY_RELAY_SECONDS``): hand the worker the pending notifications whose
    batching window has closed, or that no task was published for (``notify``)."""
    return notify.sweep_unqueued()


@shared_task(acks_late=True, ignore_result=True)
def poll_mailboxes() -> dict[str, int]:
    """Periodic: fetch new mail from every active mailbox (celery beat, MAIL_POLL_SECONDS)."""
    return {name: result.fetched for name, result in imap.poll_all().items()}


@shared_task(acks_late=True, ignore_result=True)
def refresh_oauth2_tokens() -> dict[str, str]:
    """Periodic: refresh the OAuth2 mailboxes' access tokens before they expire."""
    return oauth2.refresh_due()


@shared_task(acks_late=True, ignore_result=True)
def process_pending() -> int:
    """Periodic: process stored messages that a crash left unprocessed."""
    return intake.process_pending(older_than=dt.timedelta(minutes=2))


@shared_task(bind=True, max_retries=8, default_retry_delay=60, acks_late=True)
def send_sender_reply(self, reply_id: int) -> str:
    """Tell an unknown sender how to file a ticket (once per sender per day)."""
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


@shared_task(bind=True, max_retries=8, default_retry_delay=60, acks_late=True)
def send_urgent_confirmation(self, confirmation_id: int) -> str:
    """Email a contact the link that confirms their Urgent incident (mail/urgent.py)."""
    confirmation = (
        UrgentConfirmation.objects.select_related("ticket", "contact")
        .filter(pk=confirmation_id, sent_at__isnull=True)
        .first()
    )
    if confirmation is None:
        return "skipped"
    try:
        confirmation_email(confirmation).send()
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            log.error("urgent confirmation %s failed for good: %s", confirmation_id, exc)
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries, 60)) from exc
    UrgentConfirmation.objects.filter(pk=confirmation_id).update(sent_at=timezone.now())
    return "sent"
