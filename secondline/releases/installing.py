"""The installation: the engineer records it, billing logs the hours, the customer confirms.

Contract rules implemented here: the installation is logged as support work (usually 1–3
hours); out-of-hours work is billed at the out-of-hours rate only under an approved
out-of-hours request (billing decides); the customer's responsible employee confirms the
installation, which resolves the ticket. Each verb runs in one transaction, writes the ticket's
audit trail and sends its emails only after the commit.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.billing import worklogs as billing
from secondline.common.moments import typed_time_error
from secondline.releases import events
from secondline.releases.access import require_responsible_of, require_update_entitlement
from secondline.releases.catalogue import change_version
from secondline.releases.models import ProductVersion, UpdatePlan
from secondline.releases.plans import move_ticket
from secondline.tickets.choices import Channel, Status
from secondline.tickets.events import status_changed
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce

PlanState = UpdatePlan.State

INSTALLATION_ACTIVITY = "update_installation"
#: The work log's description (shown on the statement) holds at most this many characters.
DESCRIPTION_LENGTH = 500
#: The longest reason for installing outside the window or downgrading.
OVERRIDE_REASON_LENGTH = 300


def record_installation_done(
    plan: UpdatePlan,
    engineer: User,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    installed_version: ProductVersion,
    *,
    note: str = "",
    override_reason: str = "",
    channel: str = Channel.WEB,
) -> UpdatePlan:
    """The engineer installed the update: log the work, record the version, ask to confirm.

    Contract rules: the installation is billed as support hours; billing applies the
    out-of-hours rate only under an approved out-of-hours request. It is done inside the
    window agreed with the customer and never downgrades the installation, unless the engineer
    gives the reason (``override_reason``), which goes on the ticket and on the statement.
    """
    access.require_contractor(engineer)
    errors: dict[str, list[str]] = {}
    for name, value in (("started_at", started_at), ("finished_at", finished_at)):
        if reason := typed_time_error(value):
            errors[name] = [reason]
    if not errors and finished_at <= started_at:
        errors["finished_at"] = [_("The installation must finish after it starts.")]
    if not errors and finished_at > timezone.now() + dt.timedelta(minutes=5):
        errors["finished_at"] = [_("Record an installation once it has finished.")]
    if len(override_reason.strip()) > OVERRIDE_REASON_LENGTH:
        errors["override_reason"] = [_("Keep the reason under 300 characters.")]
    if installed_version.product != plan.installation.product:
        errors["installed_version"] = [
            _("%(version)s is not a version of %(product)s.")
            % {"version": installed_version, "product": plan.installation.product}
        ]
    if errors:
        raise ValidationError(errors)
    require_update_entitlement(plan.installation.contract, timezone.localdate(started_at))
    with transaction.atomic():
        plan = UpdatePlan.objects.select_for_update().select_related("ticket").get(pk=plan.pk)
        if plan.state != PlanState.WINDOW_AGREED:
            raise ValidationError(
                {"plan": [_("Updates are installed in an agreed window; agree one first.")]}
            )
        overridden = _overrides(plan, started_at, finished_at, installed_version)
        if overridden and not override_reason.strip():
            raise ValidationError(overridden)
        reason = override_reason.strip() if overridden else ""
        plan.override_reason = reason
        plan.state = PlanState.INSTALLED
        plan.installed_version = installed_version
        plan.installed_by = engineer
        plan.installation_started_at = started_at
        plan.installation_finished_at = finished_at
        plan.save()
        # The version change is part of this step: its event is the installation's own.
        change_version(
            plan.installation,
            installed_version,
            engineer,
            ticket=plan.ticket,
            note=note,
            at=finished_at,
        )
        _log_installation_work(plan, engineer, started_at, finished_at, note)
        announce(events.installation_recorded(plan, engineer, channel, note))
        if reason:
            what = " ".join(message for messages in overridden.values() for message in messages)
            announce(events.installation_overridden(plan, engineer, channel, what, reason))
        move_ticket(
            plan.ticket,
            engineer,
            Status.WAITING_FOR_CUSTOMER,
            channel,
            _("Installed; waiting for the customer to confirm that all works."),
        )
        from secondline.releases.tasks import send_plan_message

        transaction.on_commit(partial(send_plan_message.delay, plan.pk, "installed"))
    return plan


def _overrides(
    plan: UpdatePlan,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    installed_version: ProductVersion,
) -> dict[str, list[str]]:
    """What the installation departs from, per field: the agreed window, the current version.

    An engineer may record either only with a reason (``override_reason``)."""
    found: dict[str, list[str]] = {}
    window = plan.agreed_window()
    if window is not None:
        start, end = timezone.localtime(window.starts_at), timezone.localtime(window.ends_at)
        span = f"{start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"
        message = _(
            "Outside the agreed window %(window)s: give the reason to record it anyway."
        ) % {"window": span}
        if started_at < window.starts_at:
            found["started_at"] = [message]
        if finished_at > window.ends_at:
            found["finished_at"] = [message]
    current = plan.installation.current_version
    if current is not None and current.is_newer_than(installed_version):
        found["installed_version"] = [
            _("%(version)s is older than %(current)s: give the reason for the downgrade.")
            % {"version": installed_version, "current": current}
        ]
    return found


def _log_installation_work(
    plan: UpdatePlan,
    engineer: User,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    note: str,
) -> None:
    """Log the installation as billable support work.

    Billed as support hours: billing's ``log_work`` splits business and out-of-hours time on
    the contract's calendar, and the double rate applies only under an approved out-of-hours
    request.
    """
    text = _("Installation of %(version)s on %(installation)s.") % {
        "version": plan.installed_version,
        "installation": plan.installation.name,
    }
    if plan.override_reason:
        override = _("Override: %(reason)s") % {"reason": plan.override_reason}
        text = f"{text} {override}"
    if note.strip():
        text = f"{text} {note.strip()}"
    if len(text) > DESCRIPTION_LENGTH:
        text = text[: DESCRIPTION_LENGTH - 1] + "…"
    billing.log_work(
        plan.ticket,
        engineer,
        billing.WorkEntry(
            activity=INSTALLATION_ACTIVITY,
            started_at=started_at,
            ended_at=finished_at,
            billable=True,
            description=text,
        ),
        Channel.SYSTEM,
    )


def confirm_installation(plan: UpdatePlan, actor: User, channel: str = Channel.WEB) -> UpdatePlan:
    """The customer's responsible employee confirms the installation; the ticket is resolved."""
    require_responsible_of(actor, plan.ticket)
    with transaction.atomic():
        plan = UpdatePlan.objects.select_for_update().get(pk=plan.pk)
        if plan.state != PlanState.INSTALLED:
            raise ValidationError({"plan": [_("There is no finished installation to confirm.")]})
        plan.state = PlanState.CONFIRMED
        plan.confirmed_at = timezone.now()
        plan.confirmed_by = actor
        plan.save(update_fields=["state", "confirmed_at", "confirmed_by", "updated_at"])
        _resolve_confirmed(plan.ticket, actor, channel)
    return plan


def _resolve_confirmed(ticket: Ticket, actor: User, channel: str) -> None:
    """Resolve on the customer's word: the one move a customer makes that the table lacks.

    Contract rule: the customer's responsible employee confirming the installation is what
    resolves an Update installation ticket, so this bypasses the customer transition table.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if not ticket.is_open():
        return
    old = ticket.status
    ticket.status = Status.RESOLVED
    ticket.resolved_at = timezone.now()
    ticket.save(update_fields=["status", "resolved_at", "updated_at"])
    announce(
        status_changed(ticket, actor, channel, old, _("The customer confirmed the installation."))
    )
