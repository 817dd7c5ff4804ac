"""Automatic actions, each recorded as a ticket event that names the rule that caused it.

Rules (settings, docs/notifications.md):
- ``assign-account-engineer``: a new ticket goes to the customer's account engineer;
- ``assign-on-duty``: a new ticket goes round-robin to the engineers on duty (the roster);
- ``remind-waiting``: a ticket waiting for the customer for ``AUTO_REMIND_WAITING_DAYS``
  business days reminds them;
- ``close-waiting``: ``AUTO_CLOSE_WAITING_DAYS`` business days after the reminder it closes;
- ``close-resolved``: a resolved ticket nobody answers for ``AUTO_CLOSE_RESOLVED_DAYS``
  business days closes.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from secondline.accounts.models import User
from secondline.mail import notify
from secondline.releases.duty import on_duty
from secondline.subscriptions import notices, timers
from secondline.subscriptions.models import AccountEngineer, RoundRobin, Timer
from secondline.tickets import events
from secondline.tickets.automatic import rule_text
from secondline.tickets.choices import Channel, Status
from secondline.tickets.locking import locked
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.signals import announce

log = logging.getLogger(__name__)
SWEEP_LIMIT = 500


def rule_params(rule: str) -> dict[str, int]:
    """The figures the rule acts on now, kept on its event so its reason reads the same later."""
    days = {
        "remind-waiting": "AUTO_REMIND_WAITING_DAYS",
        "close-waiting": "AUTO_CLOSE_WAITING_DAYS",
        "close-resolved": "AUTO_CLOSE_RESOLVED_DAYS",
    }
    if rule not in days:
        return {}
    params = {"days": timers.setting(days[rule])}
    if rule == "remind-waiting":
        params["more"] = timers.setting("AUTO_CLOSE_WAITING_DAYS")
    return params


# -- assignment --------------------------------------------------------------------------------


def account_engineer(ticket: Ticket) -> User | None:
    found = AccountEngineer.objects.filter(
        customer_id=ticket.organization_id, engineer__is_active=True
    ).select_related("engineer")
    engineer = found.first()
    return engineer.engineer if engineer and engineer.engineer.is_contractor else None


def next_on_duty(now: dt.datetime) -> User | None:
    """The engineer on duty after the one who got the last ticket, in roster order."""
    roster = [duty.engineer for duty in on_duty(now)]
    if not roster:
        return None
    with transaction.atomic():
        pointer = RoundRobin.objects.select_for_update().filter(pk=1).first()
        if pointer is None:
            pointer = RoundRobin.objects.create(pk=1)
        ids = [person.pk for person in roster]
        at = ids.index(pointer.last_engineer_id) + 1 if pointer.last_engineer_id in ids else 0
        chosen = roster[at % len(roster)]
        RoundRobin.objects.filter(pk=1).update(last_engineer=chosen)
    return chosen


def auto_assign(ticket: Ticket, now: dt.datetime | None = None) -> User | None:
    """Assign a new unassigned ticket by the first rule of ``AUTO_ASSIGN`` that finds someone."""
    for mode in getattr(settings, "AUTO_ASSIGN", []):
        if mode == "account":
            rule, engineer = "assign-account-engineer", account_engineer(ticket)
        elif mode == "duty":
            rule, engineer = "assign-on-duty", next_on_duty(now or timezone.now())
        else:
            continue
        if engineer is not None:
            return engineer if assign_by_rule(ticket, engineer, rule) else None
    return None


def assign_by_rule(ticket: Ticket, engineer: User, rule: str) -> bool:
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.assignee_id is not None or not ticket.is_open():
            return False
        ticket.assignee = engineer
        ticket.save(update_fields=["assignee", "updated_at"])
        announce(_automatic(ticket, TicketEvent.Kind.ASSIGNED, "assignee", "", engineer, rule))
    return True


def _automatic(
    ticket: Ticket, kind: str, field: str, old: object, new: object, rule: str
) -> TicketEvent:
    """The event of an automatic action: no actor, the system channel, the rule and its figures,
    worded in each reader's language (``TicketEvent.shown_reason``). The reason's text is also
    kept, in the requester's language when the customer sees it, for the audit export."""
    public = kind != TicketEvent.Kind.ASSIGNED
    params = rule_params(rule)
    language = ticket.requester.language if public else settings.LANGUAGE_CODE
    with translation.override(language or "en"):
        reason = rule_text(rule, params)
    return events.record(
        ticket,
        None,
        kind,
        Channel.SYSTEM,
        field=field,
        old=old,
        new=new,
        reason=reason,
        public=public,
        rule=(rule, params),
    )


# -- the timers' actions -----------------------------------------------------------------------


def remind(ticket: Ticket, now: dt.datetime) -> bool:
    """Remind the requester of a ticket still waiting for them; start the close timer."""
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.status != Status.WAITING_FOR_CUSTOMER:
            return False
        event = _automatic(ticket, TicketEvent.Kind.OTHER, "reminder", "", "", "remind-waiting")
        announce(event)
        notify.queue(event, [ticket.requester], kind="reminder")
        timers.schedule(ticket, Timer.Kind.CLOSE_WAITING, "AUTO_CLOSE_WAITING_DAYS", now)
    return True


def close_by_rule(ticket: Ticket, expected: str, rule: str) -> bool:
    """Close a ticket still in the ``expected`` status; the customer is told why."""
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.status != expected:
            return False
        old = ticket.status
        ticket.status = Status.CLOSED
        ticket.closed_at = timezone.now()
        ticket.save()
        kind = TicketEvent.Kind.STATUS_CHANGED
        announce(_automatic(ticket, kind, "status", old, Status.CLOSED, rule))
    return True


def _act(timer: Timer, now: dt.datetime) -> bool:
    ticket = timer.ticket
    if timer.kind == Timer.Kind.UNASSIGNED:
        if ticket.assignee_id is not None or not ticket.is_open():
            return False
        with transaction.atomic():
            return bool(notices.unassigned_too_long(ticket))
    if timer.kind == Timer.Kind.REMIND:
        return remind(ticket, now)
    if timer.kind == Timer.Kind.CLOSE_WAITING:
        return close_by_rule(ticket, Status.WAITING_FOR_CUSTOMER, "close-waiting")
    return close_by_rule(ticket, Status.RESOLVED, "close-resolved")


def run_due(now: dt.datetime | None = None) -> int:
    """Act on the timers that are due; returns how many acted. Each timer is claimed by
    deleting it, so two sweeps never act twice; a failing one is logged, the rest go on."""
    now = now or timezone.now()
    acted = 0
    due = Timer.objects.filter(due_at__lte=now).select_related("ticket__requester")
    for timer in due.order_by("due_at")[:SWEEP_LIMIT]:
        if not Timer.objects.filter(pk=timer.pk, due_at=timer.due_at).delete()[0]:
            continue
        try:
            acted += _act(timer, now)
        except Exception:
            log.exception("automatic %s of ticket %s failed", timer.kind, timer.ticket_id)
    return acted
