"""Render a notification as an email in its recipient's language, threaded on its ticket."""

from __future__ import annotations

from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.common.email import automatic_headers
from secondline.mail.models import Notification, SenderReply
from secondline.tickets.models import Ticket

# Both languages, as the body: the sender's language is not known.
SENDER_REPLY_SUBJECT = "How to file a support ticket / Как подать заявку в поддержку"


def thread_references(notification: Notification) -> list[str]:
    """The Message-IDs a notification refers to, oldest first: only mail that really exists
    in the recipient's mailbox (issue 15), never an invented id. That is the customer's own
    email that opened the ticket (when it came by email), then the first and the latest
    notification on the ticket already sent to the same address."""
    from secondline.mail.models import InboundMessage

    origin = (
        InboundMessage.objects.filter(
            result_ticket=notification.ticket_id, status=InboundMessage.Status.TICKET
        )
        .exclude(message_id="")
        .values_list("message_id", flat=True)
        .first()
    )
    sent = (
        Notification.objects.filter(
            ticket=notification.ticket_id,
            to_email=notification.to_email,
            status=Notification.Status.SENT,
        )
        .exclude(pk=notification.pk)
        .order_by("sent_at", "pk")
        .values_list("message_id", flat=True)
    )
    ids = [origin, sent.first(), sent.last()]
    return list(dict.fromkeys(mid for mid in ids if mid))


def threading_headers(references: list[str]) -> dict[str, str]:
    """In-Reply-To (the latest) and References, or nothing when there is nothing to name."""
    if not references:
        return {}
    return {"In-Reply-To": references[-1], "References": " ".join(references)}


def reply_to_address(ticket: Ticket) -> str:
    local, _, domain = settings.SUPPORT_EMAIL.partition("@")
    return f"{local}+{ticket.number}@{domain}" if domain else settings.SUPPORT_EMAIL


def build_message(notification: Notification) -> EmailMultiAlternatives:
    ticket = notification.ticket
    with translation.override(notification.language):
        context = {
            "notification": notification,
            "ticket": ticket,
            "event": notification.event,
            "comment": notification.comment,
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
        "Message-ID": notification.message_id,
        **threading_headers(thread_references(notification)),
        **automatic_headers(ticket),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        reply_to=[reply_to_address(ticket)],
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
    headers = {
        "Message-ID": make_msgid(domain=settings.MAIL_DOMAIN),
        **automatic_headers(replied=True),
        "Precedence": "auto_reply",
    }
    if reply.in_reply_to:
        headers.update(threading_headers([reply.in_reply_to]))
    return EmailMessage(
        subject=" ".join(subject.split())[:250],
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reply.email],
        headers=headers,
    )
