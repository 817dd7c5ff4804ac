"""Urgent incidents reach the engineer on duty: alert at once, escalate until acknowledged.

Contract rules implemented here:
- Urgent: the customer files the ticket first, then phones the support line; the system
  alerts the engineers on duty at once;
- when nobody acknowledges within ``URGENT_ACK_MINUTES`` the next person on the roster is
  alerted (the roster repeats from the top once everybody has been tried);
- any work outside business hours is billed at double rate, and only when both parties have
  verified it: alerts filed outside the contract's business hours say so and link the
  out-of-hours request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.common.moments import typed_time_error
from secondline.releases import events, public_address
from secondline.releases.access import require_manager
from secondline.releases.models import AlertWebhook, DutyCallout, DutyShift, PhoneCall, UrgentAlert
from secondline.sla.calendars import calendar_of
from secondline.tickets import services as tickets
from secondline.tickets.choices import OPEN_STATUSES, Channel, Priority, TicketType
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce
from secondline.tickets.urgent import is_urgent_incident

ACK_SALT = "secondline.releases.acknowledge"
ACK_LINK_MAX_AGE = dt.timedelta(days=7)


def ack_minutes() -> int:
    return int(getattr(settings, "URGENT_ACK_MINUTES", 15))


# -- the roster and the business-hours rule --------------------------------------------------


@dataclass(frozen=True)
class OnDuty:
    engineer: User
    phone: str


def on_duty(moment: dt.datetime) -> list[OnDuty]:
    """Who is on duty at ``moment``, in roster order; each engineer once."""
    shifts = (
        DutyShift.objects.filter(
            starts_at__lte=moment, ends_at__gt=moment, engineer__is_active=True
        )
        .select_related("engineer")
        .order_by("position", "starts_at", "pk")
    )
    people: dict[int, OnDuty] = {}
    for shift in shifts:
        if shift.engineer.is_contractor and shift.engineer_id not in people:
            people[shift.engineer_id] = OnDuty(shift.engineer, shift.phone or shift.engineer.phone)
    return list(people.values())


def _managers() -> list[OnDuty]:
    managers = User.objects.filter(
        is_active=True, role__in=[User.Role.MANAGER, User.Role.ADMIN]
    ).order_by("pk")
    return [OnDuty(user, user.phone) for user in managers]


def people_for_level(level: int, moment: dt.datetime) -> list[OnDuty]:
    """Level 0 is the first on the roster, level 1 the next; with nobody on duty, managers."""
    roster = on_duty(moment)
    if not roster:
        return _managers()
    return [roster[level % len(roster)]]


def is_out_of_hours(ticket: Ticket, moment: dt.datetime | None = None) -> bool:
    calendar = calendar_of(ticket.contract)
    return not calendar.is_open(moment or timezone.now())


def out_of_hours_request_url(ticket: Ticket) -> str:
    """Where the out-of-hours request is filed (a page of the billing app)."""
    return f"{settings.SITE_URL}/billing/tickets/{ticket.pk}/worklogs/#out-of-hours"


def out_of_hours_rule(ticket: Ticket) -> str:
    multiplier = ticket.contract.out_of_hours_multiplier.normalize()
    if multiplier == 2:
        rate = _("double rate")
    else:
        rate = _("%(multiplier)s times the hourly rate") % {"multiplier": multiplier}
    return _(
        "It is outside business hours. Work now is billed at %(rate)s, and only after both "
        "parties have verified it: file an out-of-hours request at %(url)s."
    ) % {"rate": rate, "url": out_of_hours_request_url(ticket)}


def urgent_extra_steps(ticket: Ticket) -> list[str]:
    """Steps added to the customer's Urgent instructions (tickets/urgent.py) right now."""
    if is_out_of_hours(ticket):
        return [out_of_hours_rule(ticket)]
    return []


# -- alerting -------------------------------------------------------------------------------


def on_urgent_incident(ticket: Ticket) -> DutyCallout | None:
    """Alert the engineers on duty about an Urgent incident at once.

    Called (by receivers.py) after an Urgent incident is filed (any channel) or a ticket's
    priority becomes Urgent, once the transaction has committed. Calling it again for the
    same ticket does nothing: the call-out already runs.
    """
    ticket = Ticket.objects.select_related("contract__calendar", "organization").get(pk=ticket.pk)
    if not is_urgent_incident(ticket) or not ticket.is_open():
        return None
    now = timezone.now()
    with transaction.atomic():
        callout, created = DutyCallout.objects.get_or_create(
            ticket=ticket,
            defaults={
                "next_escalation_at": now + dt.timedelta(minutes=ack_minutes()),
                "out_of_hours": is_out_of_hours(ticket, now),
            },
        )
        if created:
            _alert_level(callout, 0, now)
    return callout


def _alert_level(callout: DutyCallout, level: int, now: dt.datetime) -> list[UrgentAlert]:
    people = people_for_level(level, now)
    webhooks = list(AlertWebhook.objects.filter(is_active=True))
    alerts: list[UrgentAlert] = []
    for person in people:
        common = {
            "callout": callout,
            "ticket": callout.ticket,
            "engineer": person.engineer,
            "phone": person.phone,
            "escalation_level": level,
        }
        if person.engineer.email:
            alerts.append(UrgentAlert.objects.create(channel=UrgentAlert.Channel.EMAIL, **common))
        for hook in webhooks:
            alerts.append(
                UrgentAlert.objects.create(
                    channel=UrgentAlert.Channel.WEBHOOK, webhook=hook, **common
                )
            )
    names = ", ".join(str(p.engineer) for p in people) or _("nobody (no roster, no managers)")
    announce(events.duty_alerted(callout.ticket, level, names))
    from secondline.releases.tasks import deliver_alert

    for alert in alerts:
        transaction.on_commit(partial(deliver_alert.delay, alert.pk))
    return alerts


def escalate_unacknowledged(now: dt.datetime | None = None) -> int:
    """Alert the next person for every call-out nobody acknowledged in time.

    Idempotent: each escalation is claimed by moving the level with a conditional update, so
    a second sweep (or a second worker) never alerts the same level twice.
    """
    now = now or timezone.now()
    for ticket in missed_urgent_incidents(now):
        on_urgent_incident(ticket)
    escalated = 0
    due = DutyCallout.objects.filter(
        acknowledged_at__isnull=True, next_escalation_at__lte=now
    ).select_related("ticket")
    for callout in due:
        if not is_urgent_incident(callout.ticket) or not callout.ticket.is_open():
            DutyCallout.objects.filter(pk=callout.pk, level=callout.level).update(
                next_escalation_at=None
            )
            continue
        with transaction.atomic():
            claimed = DutyCallout.objects.filter(
                pk=callout.pk, level=callout.level, acknowledged_at__isnull=True
            ).update(
                level=F("level") + 1,
                next_escalation_at=now + dt.timedelta(minutes=ack_minutes()),
            )
            if claimed:
                callout.level += 1
                _alert_level(callout, callout.level, now)
                escalated += 1
    return escalated


def missed_urgent_incidents(now: dt.datetime) -> QuerySet[Ticket]:
    """Open Urgent incidents of the last day with no call-out: the after-commit hook never ran
    (a crash between commit and alert), so the sweep alerts for them instead."""
    return Ticket.objects.filter(
        type=TicketType.INCIDENT,
        priority=Priority.URGENT,
        status__in=sorted(OPEN_STATUSES),  # as the partial index ticket_open_urgent_incident
        updated_at__gte=now - dt.timedelta(days=1),
        duty_callout__isnull=True,
    )


# -- acknowledging --------------------------------------------------------------------------


def acknowledge_link(alert: UrgentAlert) -> str:
    token = signing.dumps({"alert": alert.pk}, salt=ACK_SALT, compress=True)
    return f"{settings.SITE_URL}/releases/alerts/ack/{token}/"


def alert_from_token(token: str) -> UrgentAlert | None:
    try:
        data = signing.loads(token, salt=ACK_SALT, max_age=ACK_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("alert"), int):
        return None
    return (
        UrgentAlert.objects.select_related("ticket", "engineer")
        .filter(pk=int(data["alert"]))
        .first()
    )


def acknowledge(alert: UrgentAlert, user: User, channel: str = Channel.WEB) -> DutyCallout:
    """An engineer takes the Urgent incident: escalation stops, unassigned tickets are theirs."""
    access.require_contractor(user)
    now = timezone.now()
    with transaction.atomic():
        UrgentAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        )
        first = DutyCallout.objects.filter(
            pk=alert.callout_id, acknowledged_at__isnull=True
        ).update(acknowledged_at=now, acknowledged_by=user, next_escalation_at=None)
        callout = DutyCallout.objects.select_related("ticket").get(pk=alert.callout_id)
        if first:
            _acknowledged(callout.ticket, user, channel)
    return callout


def _acknowledged(ticket: Ticket, user: User, channel: str) -> None:
    announce(events.alert_acknowledged(ticket, user, channel))
    if ticket.assignee_id is None:
        tickets.assign(ticket, user, user, channel)


def acknowledge_ticket(ticket: Ticket, user: User, channel: str = Channel.WEB) -> None:
    """Stop the call-out of a ticket someone has taken (e.g. by answering the customer's call)."""
    alert = UrgentAlert.objects.filter(ticket=ticket).order_by("-pk").first()
    if alert is not None:
        acknowledge(alert, user, channel)


# -- the customer's phone call --------------------------------------------------------------


def record_phone_call(
    ticket: Ticket,
    agent: User,
    *,
    caller_name: str,
    summary: str,
    at: dt.datetime | None = None,
    caller_phone: str = "",
    channel: str = Channel.WEB,
) -> PhoneCall:
    """The agent records the customer's call on the ticket (an internal note in its history).

    Taking the call also acknowledges a running call-out: someone is on it.
    """
    access.require_contractor(agent)
    errors: dict[str, list[str]] = {}
    if not caller_name.strip():
        errors["caller_name"] = [_("Who called?")]
    if not summary.strip():
        errors["summary"] = [_("Summarise the call.")]
    if at is not None and (reason := typed_time_error(at)):
        errors["at"] = [reason]
    elif at is not None and at > timezone.now() + dt.timedelta(minutes=5):
        errors["at"] = [_("A call cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        call = PhoneCall.objects.create(
            ticket=ticket,
            agent=agent,
            at=at or timezone.now(),
            caller_name=caller_name.strip(),
            caller_phone=caller_phone.strip(),
            summary=summary.strip(),
        )
        announce(events.phone_call_recorded(call, channel))
        callout = DutyCallout.objects.filter(ticket=ticket, acknowledged_at__isnull=True).first()
        if callout is not None:
            acknowledge_ticket(ticket, agent, channel)
    return call


def open_callouts() -> QuerySet[DutyCallout]:
    return DutyCallout.objects.filter(acknowledged_at__isnull=True).select_related("ticket")


# -- the roster and the gateways, as managers edit them -------------------------------------


def save_shift(actor: User, shift: DutyShift) -> DutyShift:
    """Add or change a duty shift (contractor managers); the engineer must be staff."""
    require_manager(actor)
    check_shift(shift)
    shift.full_clean()
    shift.save()
    return shift


def check_shift(shift: DutyShift) -> None:
    """Only active contractor staff go on duty, in a shift that ends after it starts."""
    errors: dict[str, list[str]] = {}
    engineer = shift.engineer if shift.engineer_id else None
    if engineer is None or not (engineer.is_active and engineer.is_contractor):
        errors["engineer"] = [_("Only the contractor's active staff can be on duty.")]
    for name in ("starts_at", "ends_at"):
        value = getattr(shift, name)
        if value is not None and (reason := typed_time_error(value)):
            errors[name] = [reason]
    if not errors and shift.starts_at and shift.ends_at and shift.ends_at <= shift.starts_at:
        errors["ends_at"] = [_("The shift must end after it starts.")]
    if engineer is not None and not shift.phone:
        shift.phone = engineer.phone
    if not shift.phone and "engineer" not in errors:
        errors["phone"] = [_("Give the phone number the engineer answers on duty.")]
    if errors:
        raise ValidationError(errors)


def save_webhook(actor: User, hook: AlertWebhook) -> AlertWebhook:
    """Add or change an alert gateway (contractor managers)."""
    require_manager(actor)
    check_webhook(hook)
    if len(hook.secret or "") < 16:
        raise ValidationError({"secret": [_("Use a secret of at least 16 characters.")]})
    hook.full_clean()
    hook.save()
    return hook


def check_webhook(hook: AlertWebhook) -> None:
    """An http(s) URL whose host is public or allowed by an administrator (API and back office);
    sending checks the address again (``messages.post_webhook``)."""
    if not hook.url:
        return
    if not hook.url.lower().startswith(("https://", "http://")):
        raise ValidationError({"url": [_("Use an http or https URL.")]})
    try:
        public_address.check_url(hook.url)
    except public_address.RefusedAddress as refused:
        raise ValidationError({"url": [str(refused)]}) from refused
