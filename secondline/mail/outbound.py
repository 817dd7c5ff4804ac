"""Render a notification as an email in its recipient's language, threaded on its ticket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.common.email import automatic_headers, threading_headers
from secondline.mail.models import InboundMessage, Notification, SenderReply
from secondline.mail.proof import signed_reply_address
from secondline.tickets.choices import Priority, Status
from secondline.tickets.models import Comment, Ticket, TicketEvent

# Both languages, as the body: the sender's language is not known.
SENDER_REPLY_SUBJECT = "How to file a support ticket / Как подать заявку в поддержку"


def thread_references(notification: Notification) -> list[str]:
    """The Message-IDs a notification refers to, oldest first (``ticket_thread``)."""
    return ticket_thread(notification.ticket_id, notification.to_email, notification.pk)


def ticket_thread(ticket_id: int, to_email: str, exclude: int | None = None) -> list[str]:
    """The Message-IDs an email about a ticket to ``to_email`` refers to, oldest first: only
    mail that really exists in the recipient's mailbox (issue 15), never an invented id. That
    is the customer's own email that opened the ticket (when it came by email), then the
    first and the latest notification on the ticket already sent to the same address."""
    origin = (
        InboundMessage.objects.filter(result_ticket=ticket_id, status=InboundMessage.Status.TICKET)
        .exclude(message_id="")
        .values_list("message_id", flat=True)
        .first()
    )
    sent = Notification.objects.filter(
        ticket=ticket_id, to_email=to_email, status=Notification.Status.SENT
    )
    if exclude is not None:
        sent = sent.exclude(pk=exclude)
    message_ids = sent.order_by("sent_at", "pk").values_list("message_id", flat=True)
    ids = [origin, message_ids.first(), message_ids.last()]
    return list(dict.fromkeys(mid for mid in ids if mid))


def reply_to_address(ticket: Ticket, recipient: User | None) -> str:
    """The recipient's own signed reply address: a reply to it proves who wrote (``proof``)."""
    return signed_reply_address(ticket, recipient)


@dataclass(frozen=True)
class Item:
    """One change an email tells about: why this person hears of it, the event, the comment."""

    kind: str
    event: TicketEvent | None
    comment: Comment | None

    @property
    def status(self) -> str:
        """The status this change moved the ticket to, in the active language."""
        value = self.event.new_value if self.event is not None else ""
        return str(Status(value).label) if value in Status.values else value

    @property
    def priority(self) -> str:
        """The priority this change set, in the active language (not the ticket's priority
        now: a later change in the same email may have moved it again)."""
        value = self.event.new_value if self.event is not None else ""
        return str(Priority(value).label) if value in Priority.values else value


def build_message(
    notification: Notification, group: Sequence[Notification] = ()
) -> EmailMultiAlternatives:
    """One email for ``notification`` and the other pending ones of its ``group`` (the same
    person, the same ticket: ``batching``); the subject speaks of the latest change."""
    ticket = notification.ticket
    rows = list(group) or [notification]
    latest = rows[-1]
    recipient = notification.recipient
    with translation.override(notification.language):
        context = {
            "notification": notification,
            "ticket": ticket,
            "event": latest.event,
            "comment": latest.comment,
            "kind": latest.kind,
            "items": [Item(row.kind, row.event, row.comment) for row in rows],
            "for_staff": recipient is not None and recipient.is_contractor,
            "site_url": settings.SITE_URL,
            "support_phone": settings.SUPPORT_PHONE,
            "decline_title": (
                ticket.decline_reason.title(notification.language) if ticket.decline_reason else ""
            ),
        }
        subject = render_to_string("mail/notification_subject.txt", context).strip()
        body = render_to_string("mail/notification.txt", context)
        html = render_to_string(
            "mail/notification.html",
            {**context, "body": body, "subject": subject, "language": notification.language},
        )
    headers = {
        **automatic_headers(ticket),
        "Message-ID": notification.message_id,  # kept on the row: replies find the ticket by it
        **threading_headers(thread_references(notification)),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        reply_to=[reply_to_address(ticket, notification.recipient)],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def refusal_reasons(contact: User) -> tuple[str, str]:
    """Why ``contact`` may not file tickets, in English and in Russian: the sender reply
    carries both halves, each wholly in its language."""
    reasons = []
    for language in ("en", "ru"):
        with translation.override(language):
            try:
                access.filing_contract(contact)
            except access.NotAContact as exc:
                reasons.append(str(exc))
            else:
                reasons.append("")
    return reasons[0], reasons[1]


def build_sender_reply(reply: SenderReply) -> EmailMessage:
    """The one explanation an unknown sender gets: how to file a ticket (RFC 3834 auto-reply),
    in English and in Russian, with a Message-ID of our own domain."""
    context = {
        "reply": reply,
        "site_url": settings.SITE_URL,
        "support_email": settings.SUPPORT_EMAIL,
        "support_phone": settings.SUPPORT_PHONE,
    }
    body = render_to_string("mail/sender_reply.txt", context)
    subject = "Re: " + reply.subject if reply.subject else SENDER_REPLY_SUBJECT
    headers = {**automatic_headers(replied=True), "Precedence": "auto_reply"}
    if reply.in_reply_to:
        headers.update(threading_headers([reply.in_reply_to]))
    return EmailMessage(
        subject=" ".join(subject.split())[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reply.email],
        headers=headers,
    )
