"""Business calendars and SLA plans that contracts point to."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from secondline import calendar as bc
from secondline.calendar.days import to_seconds
from secondline.sla.cache import VersionedCache
from secondline.tickets.choices import Priority, TicketType


def default_weekly_hours() -> dict[str, list[list[str]]]:
    """Monday–Friday 10:00–19:00 (weekday 0 is Monday), the contractor's default."""
    return {str(day): [["10:00", "19:00"]] for day in range(5)}


class WorkingCalendar(models.Model):
    """A business calendar: weekly hours in a time zone plus a country's official days off."""

    class Country(models.TextChoices):
        RUSSIA = "RU", _("Russia (official production calendar)")
        NONE = "", _("No public holidays")

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    country = models.CharField(
        _("official calendar"),
        max_length=2,
        choices=Country.choices,
        default=Country.RUSSIA,
        blank=True,
    )
    weekly_hours = models.JSONField(
        _("weekly hours"),
        default=default_weekly_hours,
        help_text=_('Weekday (0 = Monday) to intervals, e.g. {"0": [["10:00", "19:00"]]}.'),
    )
    shortened_pre_holidays = models.BooleanField(
        _("shorten pre-holiday days by one hour"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)
    # A new stamp on every change of the row or its exceptions (sla.signals); the per-process
    # calendar cache compares it (sla.cache).
    version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse what the business calendar cannot be built from (``sla.calendars.build``):
        saved, it would make every filing on this calendar fail."""
        errors: dict[str, ValidationError] = {}
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = ValidationError(
                _(
                    "Unknown time zone “%(zone)s”: give a name from the IANA database, "
                    "e.g. Europe/Moscow."
                ),
                code="unknown_time_zone",
                params={"zone": self.time_zone},
            )
        hours_error = weekly_hours_error(self.weekly_hours)
        if hours_error is not None:
            errors["weekly_hours"] = hours_error
        if errors:
            raise ValidationError(errors)


WEEKLY_HOURS_SHAPE = _(
    'Give the weekly hours as weekdays "0" (Monday) to "6" (Sunday), each with a list of '
    'intervals, e.g. {"0": [["10:00", "19:00"]]}.'
)


def weekly_hours_error(value: object) -> ValidationError | None:
    """Why the calendar cannot use these weekly hours (the JSON that ``sla.calendars`` turns
    into wall intervals), or None. The intervals of each day are checked by the calendar's own
    rule (``secondline.calendar.days.to_seconds``)."""
    if not isinstance(value, dict):
        return ValidationError(WEEKLY_HOURS_SHAPE, code="weekly_hours_shape")
    working = False
    for day, intervals in value.items():
        hours = _wall_intervals(day, intervals)
        if hours is None:
            return ValidationError(WEEKLY_HOURS_SHAPE, code="weekly_hours_shape")
        try:
            to_seconds(hours)
        except ValueError:
            return ValidationError(
                _(
                    "%(weekday)s: each interval must end after it starts (00:00 as an end "
                    "means midnight) and must not overlap another."
                ),
                code="weekly_hours_intervals",
                params={"weekday": WEEKDAYS[int(day)]},
            )
        working = working or bool(hours)
    if not working:
        # Without weekly hours no deadline can be computed: every filing would fail.
        return ValidationError(
            _("Give working hours for at least one weekday."), code="weekly_hours_none"
        )
    return None


def _wall_intervals(day: object, intervals: object) -> list[tuple[dt.time, dt.time]] | None:
    """One weekday's ``[["10:00", "19:00"], ...]`` as times, or None when it is not that."""
    if day not in {str(weekday) for weekday in range(7)} or not isinstance(intervals, list):
        return None
    result = []
    for interval in intervals:
        if not (isinstance(interval, list) and len(interval) == 2):
            return None
        try:
            start, end = (dt.time.fromisoformat(text) for text in interval)
        except (TypeError, ValueError):
            return None
        if start.microsecond or end.microsecond or start.tzinfo or end.tzinfo:
            return None
        result.append((start, end))
    return result


class CalendarException(models.Model):
    """An administrator's correction: a company day off, an extra working day, a late decree."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Day off")
        WORKING_DAY = "working_day", _("Working day")

    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.CASCADE, related_name="exceptions"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_exception_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self) -> None:
        """Refuse hours the business calendar would refuse (``secondline.calendar``
        ``CalendarException``): saved, they would make every filing on the calendar fail."""
        opens, closes = self.opens_at, self.closes_at
        if opens is None and closes is None:
            return  # a day off, or a working day with the weekday's usual hours
        if self.kind == self.Kind.DAY_OFF:
            message = _("A day off has no working hours: leave the times empty.")
            raise ValidationError({"opens_at": ValidationError(message, code="day_off_hours")})
        if opens is None or closes is None:
            missing = "opens_at" if opens is None else "closes_at"
            message = _("Give both the opening and the closing time, or neither.")
            raise ValidationError({missing: ValidationError(message, code="half_hours")})
        for name, value in (("opens_at", opens), ("closes_at", closes)):
            if value.microsecond:
                message = _("Give the time in whole seconds.")
                raise ValidationError({name: ValidationError(message, code="fractional_time")})
        try:
            bc.CalendarException(self.date, "working_day", ((opens, closes),))
        except ValueError:
            message = _("The closing time must come after the opening time (00:00 means midnight).")
            raise ValidationError(
                {"closes_at": ValidationError(message, code="reversed_hours")}
            ) from None


class SLAPlan(models.Model):
    """Reaction targets per ticket type and priority, and the priority given to non-incidents."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    consultation_priority = models.CharField(
        _("priority of consultations"),
        max_length=10,
        choices=Priority.choices,
        default=Priority.NORMAL,
    )
    change_request_priority = models.CharField(
        _("priority of change requests"),
        max_length=10,
        choices=Priority.choices,
        default=Priority.NORMAL,
    )
    update_installation_priority = models.CharField(
        _("priority of update installations"),
        max_length=10,
        choices=Priority.choices,
        default=Priority.NORMAL,
    )
    # A new stamp on every change of the plan's targets (sla.signals); the per-process cache
    # of targets compares it (sla.cache).
    version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA plan")
        verbose_name_plural = _("SLA plans")

    def __str__(self) -> str:
        return self.name

    def default_priority_for(self, ticket_type: str) -> str:
        """The priority a non-incident ticket gets, whatever the customer asked for."""
        defaults: dict[str, str] = {
            TicketType.CONSULTATION: self.consultation_priority,
            TicketType.CHANGE_REQUEST: self.change_request_priority,
            TicketType.UPDATE_INSTALLATION: self.update_installation_priority,
        }
        return defaults.get(ticket_type, str(Priority.NORMAL))

    def reaction_targets(self) -> tuple[ReactionTarget, ...]:
        """The plan's targets, from this process's cache while the plan's stamp is unchanged.

        The rows are shared between callers: read them, never change them in place."""
        if self.pk is None:
            return tuple(self.targets.all())
        return PLAN_TARGETS.get(self.pk, self.version)

    def target_for(self, ticket_type: str, priority: str) -> ReactionTarget | None:
        """The target for this type and priority; a target with no priority ("any priority
        of this type", see ``ReactionTarget.priority``) only when none names the priority."""
        fallback = None
        for target in self.reaction_targets():
            if target.ticket_type != ticket_type:
                continue
            if target.priority == priority:
                return target
            if target.priority == "":
                fallback = target
        return fallback


class ReactionTarget(models.Model):
    """How fast the contractor reacts, in business minutes of the contract's calendar."""

    plan = models.ForeignKey(SLAPlan, on_delete=models.CASCADE, related_name="targets")
    ticket_type = models.CharField(_("ticket type"), max_length=30, choices=TicketType.choices)
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=Priority.choices,
        blank=True,
        help_text=_("Empty: any priority of this type."),
    )
    reaction_minutes = models.PositiveIntegerField(_("reaction (business minutes)"))
    update_minutes = models.PositiveIntegerField(
        _("update interval (business minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"), null=True, blank=True
    )

    class Meta:
        ordering = ["plan", "ticket_type", "priority"]
        verbose_name = _("reaction target")
        verbose_name_plural = _("reaction targets")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "ticket_type", "priority"], name="one_target_per_type_priority"
            )
        ]

    def __str__(self) -> str:
        kind = f"{self.get_ticket_type_display()} {self.get_priority_display()}"
        return f"{kind}: {self.reaction_minutes} min"


# The default plan of the support contract, in business hours of the contract's calendar.
DEFAULT_REACTION_HOURS: list[tuple[str, str, int]] = [
    (TicketType.INCIDENT, Priority.URGENT, 1),
    (TicketType.INCIDENT, Priority.HIGH, 4),
    (TicketType.INCIDENT, Priority.NORMAL, 9),  # one business day
    (TicketType.INCIDENT, Priority.LOW, 27),  # three business days
    (TicketType.CONSULTATION, "", 18),  # two business days
    (TicketType.CHANGE_REQUEST, "", 18),
    (TicketType.UPDATE_INSTALLATION, "", 18),
]


def _load_targets(plan_id: int) -> tuple[uuid.UUID | None, tuple[ReactionTarget, ...]]:
    # The stamp first, then the rows (see VersionedCache).
    version = SLAPlan.objects.filter(pk=plan_id).values_list("version", flat=True).first()
    return version, tuple(ReactionTarget.objects.filter(plan_id=plan_id))


PLAN_TARGETS: VersionedCache[tuple[ReactionTarget, ...]] = VersionedCache(_load_targets)
