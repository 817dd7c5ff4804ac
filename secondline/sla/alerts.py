"""The email that tells the assignee and the contractor's managers a ticket is at risk or
breached, in the recipient's language."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from secondline.accounts.models import User
from secondline.common.email import automatic_headers, threading_headers_for
from secondline.sla import services, wording
from secondline.sla.clock import State
from secondline.tickets.models import TicketEvent


def state_label(state: str) -> str:
    labels = {
        State.ON_TRACK: _("on track"),
        State.AT_RISK: _("at risk"),
        State.BREACHED: _("breached"),
        State.MET: _("met"),
        State.PAUSED: _("paused"),
    }
    return labels.get(state, "")


def build_alert(event: TicketEvent, person: User) -> EmailMessage:
    ticket = event.ticket
    calendar = services.calendar_of(ticket.contract)
    with translation.override(person.language or "en"):

        def when(moment: datetime | None) -> str:
            return wording.moment_label(moment.astimezone(calendar.tz), zone=True) if moment else ""

        context = {
            "ticket": ticket,
            "person": person,
            "state": state_label(event.new_value),
            "breached": event.new_value == State.BREACHED,
            "reaction_due": when(ticket.reaction_due_at),
            "first_reaction": when(ticket.first_reaction_at),
            "resolution_due": when(ticket.resolution_due_at),
            "explanation": services.explanation(ticket),
            "url": f"{settings.SITE_URL}{ticket.get_absolute_url()}",
        }
        subject = render_to_string("sla/alert_subject.txt", context)
        body = render_to_string("sla/alert.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[person.email],
        headers={**automatic_headers(ticket), **threading_headers_for(ticket.pk, person.email)},
    )
