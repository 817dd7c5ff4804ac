"""An Urgent incident filed by an email that proves nothing pages nobody until its contact
confirms it (issue 16, Build 1): the ticket is filed at High, the contact gets a signed link,
and using it raises the ticket to Urgent, which pages the engineers on duty through the usual
path (the priority change announced by the ticket core, ``releases/receivers.py``).

The link is signed (``django.core.signing``), expires after ``MAIL_URGENT_CONFIRM_MAX_AGE``
and works once; it needs no sign-in, because only the contact's mailbox received it.
"""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from secondline.accounts.models import User
from secondline.common.email import automatic_headers
from secondline.mail.models import UrgentConfirmation
from secondline.tickets import events
from secondline.tickets.choices import Channel, Priority, TicketType
from secondline.tickets.locking import locked
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce

CONFIRM_SALT = "secondline.mail.urgent.confirm"


def ask_to_confirm(ticket: Ticket, contact: User) -> UrgentConfirmation:
    """Record the pending confirmation and email the link once the filing commits."""
    confirmation = UrgentConfirmation.objects.create(ticket=ticket, contact=contact)
    transaction.on_commit(partial(_send_later, confirmation.pk))
    return confirmation


def _send_later(pk: int) -> None:
    from secondline.mail.tasks import send_urgent_confirmation

    send_urgent_confirmation.delay(pk)


def confirm_link(confirmation: UrgentConfirmation) -> str:
    token = signing.dumps({"confirm": confirmation.pk}, salt=CONFIRM_SALT, compress=True)
    return f"{settings.SITE_URL}/mail/urgent/{token}/"


def from_token(token: str) -> UrgentConfirmation | None:
    """The confirmation a link names, if its signature is good and it has not expired."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.MAIL_URGENT_CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("confirm"), int):
        return None
    return (
        UrgentConfirmation.objects.select_related("ticket", "contact")
        .filter(pk=data["confirm"])
        .first()
    )


def confirmation_email(confirmation: UrgentConfirmation) -> EmailMessage:
    ticket, contact = confirmation.ticket, confirmation.contact
    with translation.override(contact.language or "en"):
        context = {
            "ticket": ticket,
            "link": confirm_link(confirmation),
            "hours": settings.MAIL_URGENT_CONFIRM_MAX_AGE // 3600,
            "support_phone": settings.SUPPORT_PHONE,
        }
        subject = _("Confirm the Urgent incident %(number)s") % {"number": ticket.number}
        body = render_to_string("mail/urgent_confirmation.txt", context)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        headers=automatic_headers(ticket),
    )


def confirm(confirmation: UrgentConfirmation) -> bool:
    """Use the link: raise the ticket to Urgent (which pages the engineers on duty). False
    when the link was used already or the ticket is no longer an open incident."""
    with transaction.atomic():
        used = UrgentConfirmation.objects.filter(
            pk=confirmation.pk, confirmed_at__isnull=True
        ).update(confirmed_at=timezone.now())
        if not used:
            return False
        ticket = locked(confirmation.ticket)
        if ticket.type != TicketType.INCIDENT or not ticket.is_open():
            return False
        if ticket.priority == Priority.URGENT:
            return True  # an agent raised it already: the engineers were paged then
        old = ticket.priority
        ticket.priority = Priority.URGENT
        ticket.save(update_fields=["priority", "updated_at"])
        reason = gettext_noop(
            "The contact confirmed the Urgent incident by the link sent to their email."
        )
        announce(events.priority_changed(ticket, confirmation.contact, Channel.EMAIL, old, reason))
    return True
