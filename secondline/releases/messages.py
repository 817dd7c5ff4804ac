"""Emails and webhook calls of the releases app, each in its recipient's language.

Every email is marked Auto-Submitted so out-of-office robots and our own intake leave it
alone; webhook bodies are signed with HMAC-SHA256 so the gateway can trust them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from secondline.accounts.models import User
from secondline.common.email import automatic_headers, threading_headers_for
from secondline.releases import duty, public_address
from secondline.releases.models import InstallationWindow, UpdatePlan, UrgentAlert
from secondline.tickets.models import Ticket

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-SecondLine-Signature"
WEBHOOK_TIMEOUT_SECONDS = 10


def ticket_link(ticket: Ticket) -> str:
    """Where staff open the ticket: the agent desk's ticket page (agents have no back office)."""
    return f"{settings.SITE_URL}{ticket.get_absolute_url()}"


def plan_link(ticket: Ticket) -> str:
    """Where both parties see the update plan and act on it."""
    return f"{settings.SITE_URL}/releases/plans/{ticket.pk}/"


def send(user: User, subject: str, template: str, context: dict[str, Any], ticket: Ticket) -> None:
    """One email to one person, rendered in their language, in the ticket's thread in their
    mailbox (the notifications they were sent about it)."""
    if not user.email:
        return
    with translation.override(user.language or "en"):
        full = {**context, "recipient": user, "ticket": ticket, "site_url": settings.SITE_URL}
        body = render_to_string(template, full)
        subject_text = f"[{ticket.number}] {subject}"
    message = EmailMessage(
        subject=" ".join(subject_text.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            **automatic_headers(ticket),
            **threading_headers_for(ticket.pk, user.email),
        },
    )
    message.send()


def _translated(user: User, text_factory: Any) -> str:
    with translation.override(user.language or "en"):
        return str(text_factory())


def _people(users: Iterable[User | None]) -> list[User]:
    unique: dict[int, User] = {}
    for user in users:
        if user is not None and user.is_active and user.email:
            unique.setdefault(user.pk, user)
    return list(unique.values())


def _local(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M} ({settings.TIME_ZONE})"


# -- update windows -------------------------------------------------------------------------


def window_message(window: InstallationWindow, kind: str) -> None:
    """Tell the other party about a proposed, accepted or refused window."""
    ticket = window.plan.ticket
    responsible = list(ticket.organization.responsible_people())
    subjects = {
        "window_proposed": (
            _people(responsible),
            lambda: (
                _("Installation window proposed: %(start)s") % {"start": _local(window.starts_at)}
            ),
        ),
        "window_accepted": (
            _people([window.engineer, ticket.assignee, window.proposed_by]),
            lambda: (
                _("Installation window agreed: %(start)s") % {"start": _local(window.starts_at)}
            ),
        ),
        "window_declined": (
            _people([window.proposed_by, ticket.assignee]),
            lambda: _("The customer asks for another installation window"),
        ),
    }
    recipients, subject = subjects[kind]
    for user in recipients:
        send(
            user,
            _translated(user, subject),
            f"releases/mail/{kind}.txt",
            _window_context(window),
            ticket,
        )


def _window_context(window: InstallationWindow) -> dict[str, Any]:
    return {
        "window": window,
        "plan": window.plan,
        "starts": _local(window.starts_at),
        "ends": _local(window.ends_at),
        "plan_url": plan_link(window.plan.ticket),
    }


def reminder(window: InstallationWindow, which: str) -> None:
    """The day-before or hour-before reminder to the customer and the engineer."""
    ticket = window.plan.ticket
    recipients = _people([*ticket.organization.responsible_people(), window.engineer])
    for user in recipients:

        def subject() -> str:
            if which == "hour":
                return _("In one hour: installation of %(version)s") % {
                    "version": window.plan.target_version
                }
            return _("Tomorrow: installation of %(version)s") % {
                "version": window.plan.target_version
            }

        send(
            user,
            _translated(user, subject),
            "releases/mail/reminder.txt",
            {**_window_context(window), "which": which},
            ticket,
        )


def plan_message(plan: UpdatePlan, kind: str) -> None:
    """After the installation: ask the customer's responsible employee to confirm."""
    ticket = plan.ticket
    for user in _people(ticket.organization.responsible_people()):
        send(
            user,
            _translated(
                user,
                lambda: (
                    _("Installed: %(version)s, please confirm")
                    % {"version": plan.installed_version}
                ),
            ),
            "releases/mail/installed.txt",
            {"plan": plan, "plan_url": plan_link(ticket)},
            ticket,
        )


# -- urgent alerts --------------------------------------------------------------------------


def _alert_context(alert: UrgentAlert) -> dict[str, Any]:
    ticket = alert.ticket
    out_of_hours = alert.callout.out_of_hours
    return {
        "alert": alert,
        "customer": ticket.organization.name,
        "requester": ticket.requester,
        "requester_phone": ticket.requester.phone or ticket.organization.phone,
        "ticket_url": ticket_link(ticket),
        "ack_url": duty.acknowledge_link(alert),
        "ack_minutes": duty.ack_minutes(),
        "out_of_hours": out_of_hours,
        "out_of_hours_rule": duty.out_of_hours_rule(ticket) if out_of_hours else "",
        "out_of_hours_url": duty.out_of_hours_request_url(ticket),
        "filed": _local(ticket.created_at),
    }


def alert_email(alert: UrgentAlert) -> None:
    user = alert.engineer
    with translation.override(user.language or "en"):
        context = _alert_context(alert)
    send(
        user,
        _translated(user, lambda: _("URGENT: %(subject)s") % {"subject": alert.ticket.subject}),
        "releases/mail/urgent_alert.txt",
        context,
        alert.ticket,
    )


def webhook_payload(alert: UrgentAlert) -> dict[str, Any]:
    ticket = alert.ticket
    with translation.override(alert.engineer.language or "en"):
        context = _alert_context(alert)
        text = _("URGENT %(number)s %(customer)s: %(subject)s. Acknowledge: %(url)s") % {
            "number": ticket.number,
            "customer": context["customer"],
            "subject": ticket.subject,
            "url": context["ack_url"],
        }
        if context["out_of_hours"]:
            text = f"{text} {context['out_of_hours_rule']}"
    return {
        "event": "urgent_incident",
        "alert_id": alert.pk,
        "escalation_level": alert.escalation_level,
        "ticket": {
            "id": ticket.pk,
            "number": ticket.number,
            "subject": ticket.subject,
            "customer": context["customer"],
            "filed_at": ticket.created_at.isoformat(),
            "url": context["ticket_url"],
        },
        "engineer": {
            "id": alert.engineer_id,
            "name": str(alert.engineer),
            "phone": alert.phone,
            "email": alert.engineer.email,
        },
        "out_of_hours": context["out_of_hours"],
        "out_of_hours_request_url": context["out_of_hours_url"] if context["out_of_hours"] else "",
        "acknowledge_url": context["ack_url"],
        "text": text,
        "sent_at": timezone.now().isoformat(),
    }


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(alert: UrgentAlert) -> None:
    """POST the alert as JSON to the gateway; raises on any failure so the task retries.

    Only to a public address (or a host in ALERT_WEBHOOK_ALLOWED_HOSTS), redirects unfollowed:
    see ``public_address``."""
    hook = alert.webhook
    if hook is None:
        raise RuntimeError("The webhook of this alert was deleted.")
    try:
        # checked again here: the name may resolve elsewhere than when the webhook was saved
        public_address.check_url(hook.url)
    except public_address.RefusedAddress as refused:
        log.warning("urgent alert %s: webhook %s refused: %s", alert.pk, hook.pk, refused)
        raise
    body = json.dumps(webhook_payload(alert), ensure_ascii=False).encode()
    request = urllib.request.Request(
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "SecondLine-Alerts/1",
            "X-SecondLine-Event": "urgent_incident",
            SIGNATURE_HEADER: sign(hook.secret, body),
        },
    )
    with public_address.opener().open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
        if not 200 <= response.status < 300:
            raise RuntimeError(f"The gateway answered {response.status}.")
