"""Small template helpers for billing pages and documents."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.dates import MONTHS

from secondline.billing import rules

register = template.Library()


@register.filter
def month_name(day: dt.date) -> str:
    """The month's name in the active language, standalone ("November", "Ноябрь")."""
    return str(MONTHS[day.month]).capitalize()


@register.filter
def hours(seconds: int) -> str:
    """Seconds as h:mm, e.g. 5400 -> 1:30."""
    seconds = int(seconds or 0)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}"


@register.filter
def minutes_as_hours(minutes: int) -> str:
    return str(rules.hours(minutes or 0))
