"""The business calendar: working hours, official days off and exact business-time arithmetic.

Pure Python (no Django import). ``russian_calendar()`` gives the official Russian production
calendar; ``BusinessCalendar`` takes any schedule.
"""

from secondline.calendar.core import BusinessCalendar, YearRules
from secondline.calendar.days import (
    DEFAULT_HOURS,
    CalendarException,
    DayInfo,
    DayKind,
    Segment,
    SpecialDay,
    WallInterval,
    WeekHours,
)
from secondline.calendar.russia import (
    NON_WORKING_DECREES,
    russian_calendar,
    russian_special_days,
)

__all__ = [
    "DEFAULT_HOURS",
    "NON_WORKING_DECREES",
    "BusinessCalendar",
    "CalendarException",
    "DayInfo",
    "DayKind",
    "Segment",
    "SpecialDay",
    "WallInterval",
    "WeekHours",
    "YearRules",
    "russian_calendar",
    "russian_special_days",
]
