"""Give a calendar or a plan a new version stamp whenever it or its rows change, and have
the worker recount the deadlines of the open tickets the change touches.

Every process compares the stamp before using its cached calendar or targets (``sla.cache``);
the process that made the change also forgets its copy at once. A change of a calendar, its
exceptions, a plan's targets or a contract's calendar or plan moves the deadlines of tickets
already filed: once it commits, ``tasks.recompute_deadlines`` recomputes them in the
background (the sweep meanwhile recounts a ticket before alerting on it).
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from secondline.accounts.access import forget_active_contracts
from secondline.accounts.models import Contract
from secondline.sla.calendars import CALENDARS
from secondline.sla.models import (
    PLAN_TARGETS,
    CalendarException,
    ReactionTarget,
    SLAPlan,
    WorkingCalendar,
)
from secondline.sla.tasks import recompute_deadlines


def _restamp_calendar(pk: int | None) -> uuid.UUID:
    forget_active_contracts()  # they carry the calendar's row and its stamp
    stamp = uuid.uuid4()
    if pk is not None:
        WorkingCalendar.objects.filter(pk=pk).update(version=stamp)
        CALENDARS.forget(pk)
    return stamp


def _restamp_plan(pk: int | None) -> uuid.UUID:
    forget_active_contracts()  # they carry the plan's row and its stamp
    stamp = uuid.uuid4()
    if pk is not None:
        SLAPlan.objects.filter(pk=pk).update(version=stamp)
        PLAN_TARGETS.forget(pk)
    return stamp


def recompute_after_commit(scope: str, pk: int | None, stamp: uuid.UUID | None = None) -> None:
    """Once the change commits, the worker recomputes the open tickets it touches (``scope``:
    "calendar", "plan" or "contract"). A calendar or plan changed several times in one
    transaction (a form with inline rows) carries its last ``stamp``; only that task works."""
    if pk is None:
        return
    version = None if stamp is None else str(stamp)
    # robust: the change is committed; a broker that is down must not fail the caller.
    transaction.on_commit(partial(recompute_deadlines.delay, scope, pk, version), robust=True)


@receiver(post_save, sender=WorkingCalendar, dispatch_uid="sla-calendar-saved")
def calendar_saved(
    sender: Any, instance: WorkingCalendar, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created:
        instance.version = _restamp_calendar(instance.pk)
        if not raw:
            recompute_after_commit("calendar", instance.pk, instance.version)


@receiver(post_delete, sender=WorkingCalendar, dispatch_uid="sla-calendar-deleted")
def calendar_deleted(sender: Any, instance: WorkingCalendar, **kwargs: Any) -> None:
    CALENDARS.forget(instance.pk)


@receiver(post_save, sender=CalendarException, dispatch_uid="sla-exception-saved")
@receiver(post_delete, sender=CalendarException, dispatch_uid="sla-exception-deleted")
def exception_changed(
    sender: Any, instance: CalendarException, raw: bool = False, **kwargs: Any
) -> None:
    stamp = _restamp_calendar(instance.calendar_id)
    if not raw:
        recompute_after_commit("calendar", instance.calendar_id, stamp)


@receiver(post_save, sender=ReactionTarget, dispatch_uid="sla-target-saved")
@receiver(post_delete, sender=ReactionTarget, dispatch_uid="sla-target-deleted")
def target_changed(sender: Any, instance: ReactionTarget, raw: bool = False, **kwargs: Any) -> None:
    stamp = _restamp_plan(instance.plan_id)
    if not raw:
        recompute_after_commit("plan", instance.plan_id, stamp)


@receiver(post_delete, sender=SLAPlan, dispatch_uid="sla-plan-deleted")
def plan_deleted(sender: Any, instance: SLAPlan, **kwargs: Any) -> None:
    PLAN_TARGETS.forget(instance.pk)


@receiver(post_save, sender=SLAPlan, dispatch_uid="sla-plan-saved-contracts")
@receiver(post_delete, sender=SLAPlan, dispatch_uid="sla-plan-deleted-contracts")
@receiver(post_save, sender=WorkingCalendar, dispatch_uid="sla-calendar-saved-contracts")
@receiver(post_delete, sender=WorkingCalendar, dispatch_uid="sla-calendar-deleted-contracts")
def contract_settings_changed(sender: Any, **kwargs: Any) -> None:
    """The cached active contracts carry their plan's and calendar's rows (default priorities)."""
    forget_active_contracts()


# A contract's terms as stored before a save, under the instance (``vars``) until post_save.
_TERMS_BEFORE = "_sla_terms_before"


def _terms(contract: Contract) -> tuple[int, int]:
    return (contract.calendar_id, contract.sla_plan_id)


@receiver(pre_save, sender=Contract, dispatch_uid="sla-contract-saving")
def contract_saving(
    sender: Any, instance: Contract, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """Remember the stored calendar and plan: a change of either moves the contract's open
    tickets' deadlines (the back office, accounts/admin.py, edits them)."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"calendar", "sla_plan"} & set(update_fields):
        return
    stored = Contract.objects.filter(pk=instance.pk).values_list("calendar_id", "sla_plan_id")
    vars(instance)[_TERMS_BEFORE] = stored.first()


@receiver(post_save, sender=Contract, dispatch_uid="sla-contract-saved")
def contract_saved(sender: Any, instance: Contract, **kwargs: Any) -> None:
    before = vars(instance).pop(_TERMS_BEFORE, None)
    if before is not None and before != _terms(instance):
        recompute_after_commit("contract", instance.pk)
