"""Mail work done by the worker: sending the outbox, polling mailboxes, the pending sweep."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from secondline.celery import retry_countdown
from secondline.mail import batching, imap, intake, notify, oauth2, undeliverable
from secondline.mail.models import Notification, SenderReply, UrgentConfirmation
from secondline.mail.outbound import build_message, build_sender_reply
from secondline.mail.urgent import confirmation_email
from secondline.tickets.access import can_see_ticket

log = logging.getLogger(__name__)

# The outbox's notes on a notification left unsent: its recipient lost sight of the ticket, or
# is no longer one of its people (a watcher taken off within the batching window).
NO_LONGER_SEES = "not sent: the recipient can no longer see this ticket"
NO_LONGER_PARTY = "not sent: the recipient no longer follows this ticket"


def _send(notification_id: int) -> tuple[str, Exception | None]:
    """Send one notification if it is still pending, together with every other pending one
    for the same person about the same ticket: ("sent", "skipped", "waiting" or "failed",
    None), or ("retry", the SMTP server's error). "waiting": the ticket changed a moment ago,
    so the email waits for the batching window to end (``batching``). One whose recipient may
    no longer see the ticket (``can_see_ticket``), or a customer no longer its requester or a
    watcher, is skipped unsent, with the reason. "failed": the SMTP server refused it for good
    (``notify.delivery_failed``)."""
    claimed = (
        Notification.objects.filter(pk=notification_id, status=Notification.Status.PENDING)
        .select_related("ticket", "event", "comment", "ticket__requester", "recipient")
        .first()
    )
    if claimed is None:
        return "skipped", None
    recipient = claimed.recipient
    unsent = _why_not_sent(claimed)
    if recipient is not None and unsent:
        # Queued before the person moved to another organisation (or was deactivated, or was
        # taken off the ticket): the email would tell them of a ticket that is no longer
        # theirs. Its pending siblings go with it.
        Notification.objects.filter(
            ticket_id=claimed.ticket_id, recipient=recipient, status=Notification.Status.PENDING
        ).update(status=Notification.Status.SKIPPED, last_error=unsent)
        return "skipped", None
    group = batching.group_of(claimed)
    if batching.too_early(group, timezone.now()):
        batching.leave_for_later(group)
        return "waiting", None
    group = _claim(group)
    if claimed.pk not in {row.pk for row in group}:
        return "skipped", None  # another worker is sending it (with its group) right now
    mine = Notification.objects.filter(pk__in=[row.pk for row in group])
    try:
        message = build_message(claimed, group)
    except Exception:
        mine.update(claimed_at=None)  # for the relay's next hand-over (``_send``'s caller logs)
        raise
    try:
        message.send()
    except Exception as exc:
        refusal = permanent_refusal(exc)
        if refusal:
            with transaction.atomic():
                notify.delivery_failed(claimed.ticket, group, claimed.to_email, refusal)
                if refused_address(exc):
                    undeliverable.mark_undeliverable(claimed.to_email, refusal)
            log.warning("notification %s refused for good: %s", claimed.pk, refusal)
            return "failed", None
        # free for the retry at once (after a crash the claim would last the lease)
        mine.update(claimed_at=None)
        Notification.objects.filter(pk=claimed.pk).update(
            attempts=claimed.attempts + 1, last_error=str(exc)[:2000]
        )
        return "retry", exc
    now, subject = timezone.now(), message.subject[:300]
    pending = mine.filter(status=Notification.Status.PENDING)
    pending.filter(pk=claimed.pk).update(
        status=Notification.Status.SENT, sent_at=now, attempts=claimed.attempts + 1, subject=subject
    )
    # The others went out in this email: skipped, so that threading never names their ids.
    pending.exclude(pk=claimed.pk).update(
        status=Notification.Status.SKIPPED,
        sent_at=now,
        subject=subject,
        last_error=f"sent in one email with {claimed.message_id}",
    )
    return "sent", None


def _why_not_sent(notification: Notification) -> str:
    """Why the email may no longer go to its recipient, or "" when it may."""
    recipient, ticket = notification.recipient, notification.ticket
    if recipient is None:
        return ""
    # The mail server refused this address for good: nothing goes to it until the address
    # changes or the staff clear the mark (docs/email.md, *An address that bounces for good*).
    if bounces := undeliverable.undeliverable_note(recipient, notification.to_email):
        return bounces
    if not can_see_ticket(recipient, ticket):
        return NO_LONGER_SEES
    if recipient.is_contractor or recipient.pk == ticket.requester_id:
        return ""
    # A customer hears of a ticket as its requester or a watcher (``notify.recipients_for``).
    return "" if ticket.watchers.filter(pk=recipient.pk).exists() else NO_LONGER_PARTY


def _claim(group: list[Notification]) -> list[Notification]:
    """The rows of ``group`` this worker now holds to send: those still pending that no other
    worker holds (or whose worker died: a claim older than the lease). In a short transaction
    of its own, so that a worker that comes a moment later sees the claim, and before the SMTP
    server is asked, so that two workers never send one email (SQLite serialises the writers;
    PostgreSQL skips the rows another claim has locked)."""
    now = timezone.now()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - notify.lease())
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(free, pk__in=[row.pk for row in group], status=Notification.Status.PENDING)
            .values_list("pk", flat=True)
        )
        Notification.objects.filter(pk__in=ids).update(claimed_at=now)
    return [row for row in group if row.pk in ids]


def permanent_refusal(exc: Exception) -> str:
    """The SMTP server's reply when it refused this email for good (a 5xx: RFC 5321, 4.2.1),
    else "": every recipient refused (550 5.1.1 user unknown), or the message itself (552 too
    big, 554 rejected). A 4xx is retried; so is a refused sender or sign-in, which is our own
    server's configuration, not this email's fault, and would fail every email at once."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = list(exc.recipients.values())
        if replies and all(500 <= code < 600 for code, _reply in replies):
            return "; ".join(f"{code} {_text(reply)}" for code, reply in replies)
    elif isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600:
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    return ""


def refused_address(exc: Exception) -> bool:
    """Whether a permanent refusal (``permanent_refusal``) is about the address, which is then
    marked undeliverable (``undeliverable.mark_undeliverable``): a 5xx to ``RCPT TO`` unless its
    enhanced status speaks of the message or of policy (5.7.1 relaying denied is our server's
    standing, not the address's); a refusal of the message only with an addressing status
    (a server that checks the mailbox after ``DATA``: 550 5.1.1)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = " ".join(_text(reply) for _code, reply in exc.recipients.values())
        return undeliverable.address_is_gone(replies, without_status=True)
    if isinstance(exc, smtplib.SMTPDataError):
        return undeliverable.address_is_gone(_text(exc.smtp_error))
    return False


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


@shared_task(bind=True, max_retries=8, default_retry_delay=30, acks_late=True)
def deliver_notification(self, notification_id: int) -> str:
    """Send one queued notification; retried with back-off when the SMTP server fails."""
    result, exc = _send(notification_id)
    if exc is None:
        return result
    if self.request.retries >= self.max_retries:
        _gave_up(notification_id, exc)
        return "failed"
    countdown = retry_countdown(self.request.retries, 30)
    _lease_until(notification_id, countdown)
    raise self.retry(exc=exc, countdown=countdown) from exc


def _gave_up(notification_id: int, exc: Exception) -> None:
    """The SMTP server kept failing for every retry: the email will not arrive, and the
    ticket says so as it does for a bounce (agents see no outbox)."""
    row = Notification.objects.select_related("ticket").filter(pk=notification_id).first()
    if row is not None:
        reason = f"not sent: the mail server kept failing ({exc})"
        with transaction.atomic():
            notify.delivery_failed(row.ticket, [row], row.to_email, reason)
    log.error("notification %s failed for good: %s", notification_id, exc)


@shared_task(acks_late=True, ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Send the notifications of one commit (or of a held batch) in one task.

    A notification the SMTP server refuses goes on alone as ``deliver_notification``, with
    its back-off; one that cannot be built is logged and left pending, with the error, for
    the relay to hand over again once its lease has run out (``notify.sweep_stranded``),
    without stopping the others.
    """
    counts = {"sent": 0, "skipped": 0, "waiting": 0, "retry": 0, "failed": 0, "error": 0}
    for pk in notification_ids:
        try:
            result, exc = _send(pk)
        except Exception as error:
            log.exception("notification %s could not be sent", pk)
            counts["error"] += 1
            _note_error(pk, error)
            continue
        counts[result] += 1
        if exc is not None:
            _retry_alone(pk)
    return counts


def _note_error(pk: int, error: Exception) -> None:
    try:
        Notification.objects.filter(pk=pk).update(last_error=str(error)[:2000])
    except Exception:  # the database is what failed: the log has it
        log.exception("notification %s: error not noted", pk)


def _lease_until(pk: int, countdown: int) -> None:
    """Its retry is due in ``countdown`` seconds: the relay's lease counts from then, so a
    long back-off never looks like a lost task (``notify.sweep_stranded``)."""
    due = timezone.now() + dt.timedelta(seconds=countdown)
    Notification.objects.filter(pk=pk).update(queued_at=due)


def _retry_alone(pk: int) -> None:
    countdown = retry_countdown(0, 30)
    _lease_until(pk, countdown)
    try:
        deliver_notification.apply_async((pk,), countdown=countdown)
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
