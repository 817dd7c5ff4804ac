"""The release rules, applied: the catalogue, and updates installed in agreed windows.

Contract rules implemented here:
- updates and new versions are installed by the contractor in a window agreed with the
  customer, and only under an active support contract;
- the customer's responsible employee (its 1st line) agrees the window or asks for another,
  and confirms the installation, which resolves the ticket;
- the installation is logged as support work (usually 1–3 hours); out-of-hours work is billed
  at the out-of-hours rate only under an approved out-of-hours request (billing decides);
- two accepted windows never overlap for one engineer.

Every verb runs in one transaction, writes the ticket's audit trail and sends its emails
only after the commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import Contract, User
from secondline.billing import worklogs as billing
from secondline.releases.access import require_responsible_of, require_update_entitlement
from secondline.releases.models import (
    Installation,
    InstallationChange,
    InstallationWindow,
    ProductVersion,
    UpdatePlan,
)
from secondline.tickets import events, rules
from secondline.tickets import services as tickets
from secondline.tickets.choices import OPEN_STATUSES, Channel, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.signals import announce

WindowStatus = InstallationWindow.Status
PlanState = UpdatePlan.State

# An installation usually takes 1–3 hours; anything beyond a working day is a typo.
MAX_ESTIMATE_HOURS = Decimal("24")
MAX_WINDOW = dt.timedelta(hours=24)
INSTALLATION_ACTIVITY = "update_installation"


# -- the catalogue --------------------------------------------------------------------------


def record_version(
    installation: Installation,
    version: ProductVersion,
    actor: User | None,
    *,
    ticket: Ticket | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> InstallationChange | None:
    """Record which version an installation now runs, keeping the history of changes."""
    if actor is not None:
        access.require_contractor(actor)
    if version.product != installation.product:
        raise ValidationError(
            {
                "version": [
                    _("%(version)s is not a version of %(product)s.")
                    % {"version": version, "product": installation.product}
                ]
            }
        )
    with transaction.atomic():
        installation = Installation.objects.select_for_update().get(pk=installation.pk)
        if installation.current_version_id == version.pk:
            return None
        change = InstallationChange.objects.create(
            installation=installation,
            from_version=installation.current_version,
            to_version=version,
            changed_by=actor,
            ticket=ticket,
            note=note,
            changed_at=at or timezone.now(),
        )
        installation.current_version = version
        installation.save(update_fields=["current_version", "updated_at"])
    return change


def installations_behind(version: ProductVersion) -> QuerySet[Installation]:
    """Installations of the version's product that run an older version, on active contracts."""
    older = Q(current_version__isnull=True) | Q(
        current_version__released_on__lt=version.released_on
    )
    older |= Q(current_version__released_on=version.released_on, current_version__pk__lt=version.pk)
    return (
        Installation.objects.filter(product=version.product, contract__in=Contract.objects.active())
        .filter(older)
        .select_related("contract__customer", "current_version")
    )


# -- the update plan ------------------------------------------------------------------------


def _require_update_ticket(ticket: Ticket) -> None:
    if ticket.type != TicketType.UPDATE_INSTALLATION:
        raise ValidationError(
            {"ticket": [_("Only an Update installation ticket can carry an update plan.")]}
        )
    if not ticket.is_open():
        raise ValidationError({"ticket": [_("The ticket is no longer open.")]})


def plan_update(
    ticket: Ticket,
    actor: User,
    installation: Installation,
    version: ProductVersion,
    *,
    proposed_by_contractor: bool = False,
    channel: str = Channel.WEB,
) -> UpdatePlan:
    """Say which installation gets which version on an Update installation ticket."""
    access.require_contractor(actor)
    _require_update_ticket(ticket)
    if installation.contract.customer_id != ticket.organization_id:
        raise ValidationError(
            {"installation": [_("The installation belongs to another customer.")]}
        )
    if version.product != installation.product:
        raise ValidationError(
            {
                "version": [
                    _("%(version)s is not a version of %(product)s.")
                    % {"version": version, "product": installation.product}
                ]
            }
        )
    require_update_entitlement(installation.contract)
    with transaction.atomic():
        plan, created = UpdatePlan.objects.select_for_update().get_or_create(
            ticket=ticket,
            defaults={
                "installation": installation,
                "target_version": version,
                "proposed_by_contractor": proposed_by_contractor,
            },
        )
        if not created:
            if plan.state not in {PlanState.AWAITING_WINDOW, PlanState.WINDOW_PROPOSED}:
                raise ValidationError(
                    {"plan": [_("The window is agreed already; the plan cannot change now.")]}
                )
            plan.installation = installation
            plan.target_version = version
            plan.save(update_fields=["installation", "target_version", "updated_at"])
        events.record(
            ticket,
            actor,
            TicketEvent.Kind.OTHER,
            channel,
            field="update_plan",
            old=installation.current_version or "",
            new=version,
            reason=_("Planned: %(version)s on %(installation)s.")
            % {"version": version, "installation": installation.name},
        )
    return plan


def propose_update(
    installation: Installation,
    version: ProductVersion,
    actor: User,
    *,
    message: str = "",
) -> UpdatePlan:
    """The contractor offers a newer version to a customer running an older one.

    Files the Update installation ticket on the customer's behalf (requester: its
    responsible employee, channel: system) and opens the plan; a window follows.
    """
    access.require_contractor(actor)
    contract = installation.contract
    require_update_entitlement(contract)
    if not version.is_newer_than(installation.current_version):
        raise ValidationError(
            {
                "version": [
                    _("%(installation)s already runs %(current)s.")
                    % {"installation": installation.name, "current": installation.current_version}
                ]
            }
        )
    open_plan = UpdatePlan.objects.filter(
        installation=installation, target_version=version, ticket__status__in=OPEN_STATUSES
    ).first()
    if open_plan is not None:
        raise ValidationError(
            {
                "version": [
                    _("This update is already proposed on ticket %(number)s.")
                    % {"number": open_plan.ticket.number}
                ]
            }
        )
    responsible = contract.customer.responsible_people().order_by("pk").first()
    if responsible is None:
        raise access.NotAContact(
            _("%(org)s has not named a responsible employee to agree the update with.")
            % {"org": contract.customer.name}
        )
    draft = tickets.NewTicket(
        type=TicketType.UPDATE_INSTALLATION,
        subject=_("Update %(installation)s to %(version)s")
        % {"installation": installation.name, "version": version},
        description=_proposal_text(installation, version, message, responsible.language),
        target_version=version.version,
        preferred_windows=_("No preference given yet: the contractor proposes a window."),
        environment="production" if "prod" in installation.name.lower() else "",
        contract=contract,
    )
    with transaction.atomic():
        ticket = tickets.file_ticket(responsible, draft, Channel.SYSTEM)
        return plan_update(
            ticket,
            actor,
            installation,
            version,
            proposed_by_contractor=True,
            channel=Channel.SYSTEM,
        )


def _proposal_text(
    installation: Installation, version: ProductVersion, message: str, language: str
) -> str:
    lines = [
        _(
            "%(installation)s runs %(current)s. We propose to install %(version)s "
            "(%(kind)s, released on %(date)s) under your support contract."
        )
        % {
            "installation": installation.name,
            "current": installation.current_version or _("an unrecorded version"),
            "version": version,
            "kind": version.get_kind_display().lower(),
            "date": version.released_on.isoformat(),
        },
    ]
    if message.strip():
        lines += ["", message.strip()]
    notes = version.notes(language)
    if notes:
        lines += ["", _("Release notes:"), notes]
    return "\n".join(lines)


# -- windows --------------------------------------------------------------------------------


def _check_window_times(
    starts_at: dt.datetime, ends_at: dt.datetime, estimate_hours: Decimal
) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if timezone.is_naive(value):
            errors[name] = [_("Give a time with its time zone.")]
    if errors:
        raise ValidationError(errors)
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The window must end after it starts.")]
    elif ends_at - starts_at > MAX_WINDOW:
        errors["ends_at"] = [_("A window is at most 24 hours long.")]
    if starts_at <= timezone.now():
        errors["starts_at"] = [_("Propose a window in the future.")]
    if not Decimal("0") < estimate_hours <= MAX_ESTIMATE_HOURS:
        errors["estimate_hours"] = [_("Estimate between 0 and 24 hours; usually 1–3.")]
    elif dt.timedelta(hours=float(estimate_hours)) > ends_at - starts_at:
        errors["estimate_hours"] = [_("The estimate does not fit in the window.")]
    if errors:
        raise ValidationError(errors)


def overlapping_windows(
    engineer: User, starts_at: dt.datetime, ends_at: dt.datetime, exclude: int | None = None
) -> QuerySet[InstallationWindow]:
    """The engineer's accepted windows that overlap [starts_at, ends_at)."""
    clash = InstallationWindow.objects.filter(
        engineer=engineer,
        status=WindowStatus.ACCEPTED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    return clash.exclude(pk=exclude) if exclude else clash


def _require_engineer_free(
    engineer: User, starts_at: dt.datetime, ends_at: dt.datetime, exclude: int | None = None
) -> None:
    """Contract rule: one engineer installs one update at a time."""
    # Lock the engineer's row so two acceptances for one engineer are decided one at a time.
    User.objects.select_for_update().filter(pk=engineer.pk).first()
    clash = overlapping_windows(engineer, starts_at, ends_at, exclude).first()
    if clash is not None:
        local = timezone.localtime(clash.starts_at)
        raise ValidationError(
            {
                "starts_at": [
                    _(
                        "%(engineer)s already has an agreed window from %(start)s on %(number)s; "
                        "choose another time or engineer."
                    )
                    % {
                        "engineer": engineer,
                        "start": local.strftime("%Y-%m-%d %H:%M"),
                        "number": clash.plan.ticket.number,
                    }
                ]
            }
        )


def _move_ticket(ticket: Ticket, actor: User, status: str, channel: str, reason: str) -> None:
    """Follow the workflow on the ticket where the status rules allow this actor the move."""
    ticket.refresh_from_db()
    if ticket.status != status and rules.can_transition(
        ticket.status, status, by_contractor=actor.is_contractor
    ):
        tickets.change_status(ticket, actor, status, channel, reason)


def propose_window(
    plan: UpdatePlan,
    actor: User,
    *,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    engineer: User,
    estimate_hours: Decimal,
    note: str = "",
    channel: str = Channel.WEB,
) -> InstallationWindow:
    """The contractor proposes a window with an estimate; it supersedes an open proposal."""
    access.require_contractor(actor)
    if not (engineer.is_active and engineer.is_contractor):
        raise ValidationError({"engineer": [_("The engineer must be on the contractor's staff.")]})
    estimate_hours = Decimal(estimate_hours)
    _check_window_times(starts_at, ends_at, estimate_hours)
    require_update_entitlement(plan.installation.contract, timezone.localdate(starts_at))
    with transaction.atomic():
        plan = UpdatePlan.objects.select_for_update().get(pk=plan.pk)
        _require_update_ticket(plan.ticket)
        if plan.state not in {PlanState.AWAITING_WINDOW, PlanState.WINDOW_PROPOSED}:
            raise ValidationError(
                {"plan": [_("A window is agreed already, or the update is installed.")]}
            )
        _require_engineer_free(engineer, starts_at, ends_at)
        plan.windows.filter(status=WindowStatus.PROPOSED).update(
            status=WindowStatus.SUPERSEDED, decided_at=timezone.now()
        )
        window = InstallationWindow.objects.create(
            plan=plan,
            starts_at=starts_at,
            ends_at=ends_at,
            engineer=engineer,
            estimate_hours=estimate_hours,
            note=note.strip(),
            proposed_by=actor,
        )
        plan.state = PlanState.WINDOW_PROPOSED
        plan.save(update_fields=["state", "updated_at"])
        _window_event(window, actor, channel, _("Window proposed"), note.strip())
        _move_ticket(
            plan.ticket,
            actor,
            Status.WAITING_FOR_CUSTOMER,
            channel,
            _("Waiting for the customer to agree the installation window."),
        )
        _after_commit("window_proposed", window.pk)
    return window


def accept_window(
    window: InstallationWindow, actor: User, channel: str = Channel.WEB
) -> InstallationWindow:
    """The customer's responsible employee agrees the proposed window."""
    require_responsible_of(actor, window.plan.ticket)
    require_update_entitlement(window.plan.installation.contract)
    try:
        with transaction.atomic():
            window = _locked_window(window)
            if window.status != WindowStatus.PROPOSED:
                raise ValidationError(
                    {"window": [_("This window is no longer on offer; see the latest proposal.")]}
                )
            if window.starts_at <= timezone.now():
                raise ValidationError(
                    {"window": [_("This window has passed; ask for another one.")]}
                )
            _require_engineer_free(window.engineer, window.starts_at, window.ends_at, window.pk)
            window.status = WindowStatus.ACCEPTED
            window.decided_by = actor
            window.decided_at = timezone.now()
            window.save(update_fields=["status", "decided_by", "decided_at"])
            UpdatePlan.objects.filter(pk=window.plan_id).update(
                state=PlanState.WINDOW_AGREED, updated_at=timezone.now()
            )
            _window_event(window, actor, channel, _("Window agreed"))
            _move_ticket(
                window.plan.ticket,
                actor,
                Status.IN_PROGRESS,
                channel,
                _("The installation window is agreed."),
            )
            _after_commit("window_accepted", window.pk)
    except IntegrityError as exc:
        # The database's own no-overlap check caught a race the service check could not see.
        raise ValidationError(
            {"window": [_("The engineer has just been booked for an overlapping window.")]}
        ) from exc
    return window


def ask_another_window(
    window: InstallationWindow, actor: User, comment: str, channel: str = Channel.WEB
) -> InstallationWindow:
    """The customer's responsible employee asks for another window and says why."""
    require_responsible_of(actor, window.plan.ticket)
    if not comment.strip():
        raise ValidationError(
            {"comment": [_("Say which times suit you better, so the next proposal fits.")]}
        )
    with transaction.atomic():
        window = _locked_window(window)
        if window.status != WindowStatus.PROPOSED:
            raise ValidationError(
                {"window": [_("This window is no longer on offer; see the latest proposal.")]}
            )
        window.status = WindowStatus.DECLINED
        window.customer_comment = comment.strip()
        window.decided_by = actor
        window.decided_at = timezone.now()
        window.save(update_fields=["status", "customer_comment", "decided_by", "decided_at"])
        UpdatePlan.objects.filter(pk=window.plan_id).update(
            state=PlanState.AWAITING_WINDOW, updated_at=timezone.now()
        )
        _window_event(window, actor, channel, _("Another window asked for"), comment.strip())
        _move_ticket(
            window.plan.ticket,
            actor,
            Status.IN_PROGRESS,
            channel,
            _("The customer asked for another installation window."),
        )
        _after_commit("window_declined", window.pk)
    return window


def _locked_window(window: InstallationWindow) -> InstallationWindow:
    return (
        InstallationWindow.objects.select_for_update()
        .select_related("plan__ticket", "engineer")
        .get(pk=window.pk)
    )


def _window_event(
    window: InstallationWindow, actor: User, channel: str, what: str, comment: str = ""
) -> TicketEvent:
    start = timezone.localtime(window.starts_at)
    end = timezone.localtime(window.ends_at)
    text = f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} ({window.estimate_hours} h, {window.engineer})"
    return events.record(
        window.plan.ticket,
        actor,
        TicketEvent.Kind.OTHER,
        channel,
        field="installation_window",
        old=what,
        new=text,
        reason=comment,
    )


def _after_commit(kind: str, window_id: int) -> None:
    from secondline.releases.tasks import send_window_message

    transaction.on_commit(partial(send_window_message.delay, window_id, kind))


# -- the installation and its confirmation --------------------------------------------------


def record_installation_done(
    plan: UpdatePlan,
    engineer: User,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    installed_version: ProductVersion,
    *,
    note: str = "",
    channel: str = Channel.WEB,
) -> UpdatePlan:
    """The engineer installed the update: log the work, record the version, ask to confirm.

    Contract rule: the installation is billed as support hours; billing applies the
    out-of-hours rate only under an approved out-of-hours request.
    """
    access.require_contractor(engineer)
    errors: dict[str, list[str]] = {}
    for name, value in (("started_at", started_at), ("finished_at", finished_at)):
        if timezone.is_naive(value):
            errors[name] = [_("Give a time with its time zone.")]
    if not errors and finished_at <= started_at:
        errors["finished_at"] = [_("The installation must finish after it starts.")]
    if not errors and finished_at > timezone.now() + dt.timedelta(minutes=5):
        errors["finished_at"] = [_("Record an installation once it has finished.")]
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
        plan.state = PlanState.INSTALLED
        plan.installed_version = installed_version
        plan.installed_by = engineer
        plan.installation_started_at = started_at
        plan.installation_finished_at = finished_at
        plan.save()
        record_version(
            plan.installation,
            installed_version,
            engineer,
            ticket=plan.ticket,
            note=note,
            at=finished_at,
        )
        _log_installation_work(plan, engineer, started_at, finished_at, note)
        events.record(
            plan.ticket,
            engineer,
            TicketEvent.Kind.OTHER,
            channel,
            field="installed_version",
            old=plan.target_version,
            new=installed_version,
            reason=note.strip(),
        )
        _move_ticket(
            plan.ticket,
            engineer,
            Status.WAITING_FOR_CUSTOMER,
            channel,
            _("Installed; waiting for the customer to confirm that all works."),
        )
        from secondline.releases.tasks import send_plan_message

        transaction.on_commit(partial(send_plan_message.delay, plan.pk, "installed"))
    return plan


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
    if note.strip():
        text = f"{text} {note.strip()}"
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
        events.status_changed(
            ticket, actor, channel, old, _("The customer confirmed the installation.")
        )
    )


# -- catalogue and installation records, as edited by the contractor -----------------------


def save_version(actor: User, version: ProductVersion) -> ProductVersion:
    """Add or correct a catalogue entry (contractor managers)."""
    from secondline.releases.access import require_manager

    require_manager(actor)
    version.full_clean()
    version.save()
    return version


def save_installation(actor: User, installation: Installation) -> Installation:
    """Register or rename an installation (contractor staff); versions change via record_version."""
    access.require_contractor(actor)
    installation.full_clean(exclude=["current_version"])
    if (
        installation.current_version is not None
        and installation.current_version.product != installation.product
    ):
        raise ValidationError({"current_version": [_("This is a version of another product.")]})
    with transaction.atomic():
        is_new = installation.pk is None
        version = installation.current_version
        if is_new:
            installation.current_version = None
        installation.save()
        if is_new and version is not None:
            record_version(installation, version, actor, note=_("Recorded at registration."))
            installation.refresh_from_db()
    return installation
