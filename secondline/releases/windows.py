"""Installation windows: the contractor proposes one, the customer agrees it or asks for another.

Contract rules implemented here: the window is agreed with the customer's responsible employee
(its 1st line), only under an active support contract; two accepted windows never overlap for
one engineer, nor for one customer, whoever holds them. Each verb runs in one transaction,
writes the ticket's audit trail and sends its emails only after the commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from secondline.accounts import access
from secondline.accounts.models import Organization, User
from secondline.common.moments import typed_time_error
from secondline.releases import events
from secondline.releases.access import require_responsible_of, require_update_entitlement
from secondline.releases.models import InstallationWindow, UpdatePlan
from secondline.releases.plans import move_ticket, require_update_ticket
from secondline.tickets.access import can_see_ticket
from secondline.tickets.choices import Channel, Status
from secondline.tickets.signals import announce

WindowStatus = InstallationWindow.Status
PlanState = UpdatePlan.State

# An installation usually takes 1–3 hours; anything beyond a working day is a typo.
MAX_ESTIMATE_HOURS = Decimal("24")
MAX_WINDOW = dt.timedelta(hours=24)


def _check_window_times(
    starts_at: dt.datetime, ends_at: dt.datetime, estimate_hours: Decimal
) -> None:
    """The window's times on their own, for every channel: aware, within the years of the
    desk's records (``out_of_span``), in the future, at most a day long, the estimate in it."""
    errors: dict[str, list[str]] = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if reason := typed_time_error(value):
            errors[name] = [reason]
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
    return _accepted_overlapping(starts_at, ends_at, exclude, engineer=engineer)


def _require_engineer_free(
    actor: User,
    engineer: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    exclude: int | None = None,
) -> None:
    """Contract rule: one engineer installs one update at a time. The clashing window may be
    another customer's: only someone who may see its ticket (the contractor's staff, its own
    customer) learns its number and time; anyone else hears only that the engineer is busy."""
    # Lock the engineer's row so two acceptances for one engineer are decided one at a time.
    User.objects.select_for_update().filter(pk=engineer.pk).first()
    clash = (
        overlapping_windows(engineer, starts_at, ends_at, exclude)
        .select_related("plan__ticket")
        .first()
    )
    if clash is None:
        return
    if can_see_ticket(actor, clash.plan.ticket):
        refusal = _(
            "%(engineer)s already has an agreed window from %(start)s on %(number)s; "
            "choose another time or engineer."
        ) % {
            "engineer": engineer,
            "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
            "number": clash.plan.ticket.number,
        }
    else:
        refusal = _(
            "The engineer already has an agreed window at this time; ask for another window."
        )
    raise ValidationError({"starts_at": [refusal]})


def customer_windows(
    customer_id: int, starts_at: dt.datetime, ends_at: dt.datetime, exclude: int | None = None
) -> QuerySet[InstallationWindow]:
    """The customer's accepted windows that overlap [starts_at, ends_at), whoever holds them."""
    return _accepted_overlapping(starts_at, ends_at, exclude, customer_id=customer_id)


def _accepted_overlapping(
    starts_at: dt.datetime, ends_at: dt.datetime, exclude: int | None, **holder: object
) -> QuerySet[InstallationWindow]:
    clash = InstallationWindow.objects.filter(
        status=WindowStatus.ACCEPTED, starts_at__lt=ends_at, ends_at__gt=starts_at, **holder
    )
    return clash.exclude(pk=exclude) if exclude else clash


def _require_customer_free(
    customer_id: int, starts_at: dt.datetime, ends_at: dt.datetime, exclude: int | None = None
) -> None:
    """Contract rule: the customer's systems get one installation at a time, so two agreed
    windows of one customer never overlap, whichever engineers hold them."""
    # Lock the customer's row so two acceptances for one customer are decided one at a time.
    Organization.objects.select_for_update().filter(pk=customer_id).first()
    clash = (
        customer_windows(customer_id, starts_at, ends_at, exclude)
        .select_related("plan__ticket")
        .first()
    )
    if clash is not None:
        start, end = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
        raise ValidationError(
            {
                "starts_at": [
                    _(
                        "The customer already has an agreed window %(start)s–%(end)s on "
                        "%(number)s; one customer's windows never overlap."
                    )
                    % {
                        "start": start.strftime("%Y-%m-%d %H:%M"),
                        "end": end.strftime("%H:%M"),
                        "number": clash.plan.ticket.number,
                    }
                ]
            }
        )


def _require_free(window: InstallationWindow, actor: User, exclude: int | None = None) -> None:
    """Both no-overlap rules: the engineer's and the customer's, worded for ``actor``."""
    _require_engineer_free(actor, window.engineer, window.starts_at, window.ends_at, exclude)
    _require_customer_free(window.customer_id, window.starts_at, window.ends_at, exclude)


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
        require_update_ticket(plan.ticket)
        if plan.state not in {PlanState.AWAITING_WINDOW, PlanState.WINDOW_PROPOSED}:
            raise ValidationError(
                {"plan": [_("A window is agreed already, or the update is installed.")]}
            )
        window = InstallationWindow(
            plan=plan,
            customer_id=plan.installation.contract.customer_id,
            starts_at=starts_at,
            ends_at=ends_at,
            engineer=engineer,
            estimate_hours=estimate_hours,
            note=note.strip(),
            proposed_by=actor,
        )
        _require_free(window, actor)
        plan.windows.filter(status=WindowStatus.PROPOSED).update(
            status=WindowStatus.SUPERSEDED, decided_at=timezone.now()
        )
        window.save()
        plan.state = PlanState.WINDOW_PROPOSED
        plan.save(update_fields=["state", "updated_at"])
        announce(events.window_decided(window, actor, channel, _("Window proposed"), note.strip()))
        move_ticket(
            plan.ticket,
            actor,
            Status.WAITING_FOR_CUSTOMER,
            channel,
            gettext_noop("Waiting for the customer to agree the installation window."),
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
            _require_free(window, actor, window.pk)
            window.status = WindowStatus.ACCEPTED
            window.decided_by = actor
            window.decided_at = timezone.now()
            window.save(update_fields=["status", "decided_by", "decided_at"])
            UpdatePlan.objects.filter(pk=window.plan_id).update(
                state=PlanState.WINDOW_AGREED, updated_at=timezone.now()
            )
            announce(events.window_decided(window, actor, channel, _("Window agreed")))
            move_ticket(
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
            {
                "window": [
                    _(
                        "The engineer or the customer has just been booked for an overlapping "
                        "window."
                    )
                ]
            }
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
        announce(
            events.window_decided(
                window, actor, channel, _("Another window asked for"), comment.strip()
            )
        )
        move_ticket(
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


def _after_commit(kind: str, window_id: int) -> None:
    from secondline.releases.tasks import send_window_message

    transaction.on_commit(partial(send_window_message.delay, window_id, kind))
