"""The release steps on a ticket's audit trail: one small function per kind of event.

Each writes one ``TicketEvent`` (kind *other*, told apart by its ``field``) through
``tickets.events.record``; the verb that calls it then announces the event through
``tickets.signals.announce``, like every verb of ``tickets/services.py``, so the listeners of
the ticket core hear about updates and duty alerts too.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_noop

from secondline.accounts.models import User
from secondline.releases.models import (
    Installation,
    InstallationChange,
    InstallationWindow,
    PhoneCall,
    ProductVersion,
    UpdatePlan,
)
from secondline.tickets.choices import Channel
from secondline.tickets.events import record
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.reasons import Reason

OTHER = TicketEvent.Kind.OTHER

# The fields that tell the release events apart on the trail.
UPDATE_PLAN = "update_plan"
INSTALLATION_WINDOW = "installation_window"
INSTALLED_VERSION = "installed_version"
INSTALLATION_OVERRIDE = "installation_override"
CURRENT_VERSION = "current_version"
DUTY_ALERT = "duty_alert"
PHONE_CALL = "phone_call"


def update_planned(
    ticket: Ticket,
    actor: User,
    channel: str,
    installation: Installation,
    version: ProductVersion,
) -> TicketEvent:
    return record(
        ticket,
        actor,
        OTHER,
        channel,
        field=UPDATE_PLAN,
        old=installation.current_version or "",
        new=version,
        reason=Reason(
            gettext_noop("Planned: %(version)s on %(installation)s."),
            {"version": str(version), "installation": installation.name},
        ),
    )


def window_decided(
    window: InstallationWindow, actor: User, channel: str, what: str, comment: str = ""
) -> TicketEvent:
    """A window proposed, agreed, or turned down for another: ``what`` says which."""
    start = timezone.localtime(window.starts_at)
    end = timezone.localtime(window.ends_at)
    text = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} ({window.estimate_hours} h, {window.engineer})"
    return record(
        window.plan.ticket,
        actor,
        OTHER,
        channel,
        field=INSTALLATION_WINDOW,
        old=what,
        new=text,
        reason=comment,
    )


def installation_recorded(plan: UpdatePlan, engineer: User, channel: str, note: str) -> TicketEvent:
    """The engineer installed the plan's update; the version it planned, the version installed."""
    return record(
        plan.ticket,
        engineer,
        OTHER,
        channel,
        field=INSTALLED_VERSION,
        old=plan.target_version,
        new=plan.installed_version,
        reason=note.strip(),
    )


def installation_overridden(
    plan: UpdatePlan, engineer: User, channel: str, what: str, reason: str
) -> TicketEvent:
    """The installation was recorded outside its agreed window or as a downgrade, and why."""
    return record(
        plan.ticket,
        engineer,
        OTHER,
        channel,
        field=INSTALLATION_OVERRIDE,
        old=what,
        new=plan.installed_version,
        reason=reason,
    )


def version_changed(change: InstallationChange, ticket: Ticket, channel: str) -> TicketEvent:
    """An installation's version recorded on the ticket it was changed for."""
    return record(
        ticket,
        change.changed_by,
        OTHER,
        channel,
        field=CURRENT_VERSION,
        old=change.from_version or "",
        new=change.to_version,
        reason=change.note,
    )


def duty_alerted(ticket: Ticket, level: int, names: str) -> TicketEvent:
    return record(
        ticket,
        None,
        OTHER,
        Channel.SYSTEM,
        field=DUTY_ALERT,
        old=level,
        new=names,
        reason=(
            gettext_noop("Engineer on duty alerted.")
            if level == 0
            else gettext_noop("Not acknowledged; escalated.")
        ),
        public=False,
    )


def alert_acknowledged(ticket: Ticket, user: User, channel: str) -> TicketEvent:
    return record(
        ticket,
        user,
        OTHER,
        channel,
        field=DUTY_ALERT,
        new=user,
        reason=gettext_noop("Urgent alert acknowledged."),
        public=False,
    )


def phone_call_recorded(call: PhoneCall, channel: str) -> TicketEvent:
    return record(
        call.ticket,
        call.agent,
        OTHER,
        channel,
        field=PHONE_CALL,
        new=call.caller_name,
        reason=call.summary,
        public=False,
    )
