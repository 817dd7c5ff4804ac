"""Give a calendar or a plan a new version stamp whenever it or its rows change.

Every process compares the stamp before using its cached calendar or targets (``sla.cache``);
the process that made the change also forgets its copy at once.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from secondline.accounts.access import forget_active_contracts
from secondline.sla.calendars import CALENDARS
from secondline.sla.models import (
    PLAN_TARGETS,
    CalendarException,
    ReactionTarget,
    SLAPlan,
    WorkingCalendar,
)


def _restamp_calendar(pk: int | None) -> uuid.UUID:
    forget_active_contracts()  # they carry the calendar's row and its stamp
    stamp = uuid.uuid4()
    if pk is not None:
        WorkingCalendar.objects.filter(pk=pk).update(version=stamp)
        CALENDARS.forget(pk)
    return stamp


def _restamp_plan(pk: int | None) -> None:
    forget_active_contracts()  # they carry the plan's row and its stamp
    if pk is not None:
        SLAPlan.objects.filter(pk=pk).update(version=uuid.uuid4())
        PLAN_TARGETS.forget(pk)


@receiver(post_save, sender=WorkingCalendar, dispatch_uid="sla-calendar-saved")
def calendar_saved(sender: Any, instance: WorkingCalendar, created: bool, **kwargs: Any) -> None:
    if not created:
        instance.version = _restamp_calendar(instance.pk)


@receiver(post_delete, sender=WorkingCalendar, dispatch_uid="sla-calendar-deleted")
def calendar_deleted(sender: Any, instance: WorkingCalendar, **kwargs: Any) -> None:
    CALENDARS.forget(instance.pk)


@receiver(post_save, sender=CalendarException, dispatch_uid="sla-exception-saved")
@receiver(post_delete, sender=CalendarException, dispatch_uid="sla-exception-deleted")
def exception_changed(sender: Any, instance: CalendarException, **kwargs: Any) -> None:
    _restamp_calendar(instance.calendar_id)


@receiver(post_save, sender=ReactionTarget, dispatch_uid="sla-target-saved")
@receiver(post_delete, sender=ReactionTarget, dispatch_uid="sla-target-deleted")
def target_changed(sender: Any, instance: ReactionTarget, **kwargs: Any) -> None:
    _restamp_plan(instance.plan_id)


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
