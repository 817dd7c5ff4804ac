"""Render a notification as an email in its recipient's language, threaded on its ticket."""

from __future__ import annotations

from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from secondline.mail.models import Notification
from secondline.tickets.models import Ticket


def ticket_thread_id(ticket: Ticket) -> str:
    """The Message-ID of the ticket's first notification: every later one refers to it."""
    return f"<ticket-{ticket.pk}@{settings.MAIL_DOMAIN}>"


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
        }
        subject = render_to_string("mail/notification_subject.txt", context).strip()
        body = render_to_string("mail/notification.txt", context)
    thread = ticket_thread_id(ticket)
    headers = {
        "Message-ID": notification.message_id,
        "In-Reply-To": thread,
        "References": thread,
        "Auto-Submitted": "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "Date": formatdate(localtime=True),
        "X-SecondLine-Ticket": ticket.number,
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        reply_to=[reply_to_address(ticket)],
        headers=headers,
    )
    return message
