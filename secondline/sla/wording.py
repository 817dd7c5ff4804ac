"""The words of an SLA explanation, in the active language (English or Russian).

``secondline.sla.explain`` decides what to say; this module only says it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import holidays
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from secondline.sla.explain import Part

# Time zone abbreviations the calendar may print, so that makemessages sees them.
ZONE_NAMES = (gettext_noop("MSK"),)


def day_label(day: dt.date) -> str:
    """ "Fri 1 Nov" / "Пт 1 ноября"."""
    return dateformat.format(day, pgettext("SLA explanation: a day", "D j M"))


def moment_label(moment: dt.datetime, zone: bool = False) -> str:
    """ "Fri 1 Nov 18:30", with the zone "Fri 1 Nov 18:30 MSK"."""
    text = dateformat.format(moment, pgettext("SLA explanation: a moment", "D j M H:i"))
    return f"{text} {_(moment.tzname() or '')}" if zone else text


def duration_label(duration: dt.timedelta) -> str:
    """ "30 min", "9 h", "8 h 30 min" (rounded to the minute)."""
    minutes = round(duration.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes}


def _holiday_name(day: dt.date, name: str) -> str:
    """The official name of a Russian public holiday in the active language."""
    if translation.get_language() and translation.get_language().startswith("ru"):
        local = holidays.country_holidays("RU", years=day.year, language="ru").get(day)
        if local:
            return str(local)
    return name


def _kind_label(kind: str) -> str:
    labels = {
        "weekend": _("weekend"),
        "holiday": _("public holiday"),
        "transferred_day_off": _("transferred day off"),
        "non_working_decree": _("non-working day by decree"),
        "exception_day_off": _("company day off"),
        "working_weekend": _("working weekend day"),
        "exception_working_day": _("extra working day"),
        "shortened": _("shortened pre-holiday day"),
    }
    return labels.get(kind, "")


def _days(part: Part) -> str:
    assert part.first is not None
    if part.last is None or part.last == part.first:
        return day_label(part.first)
    return f"{day_label(part.first)}–{day_label(part.last)}"


def _off(part: Part) -> str:
    assert part.first is not None
    if part.day_kind == "weekend":
        return _("%(days)s off") % {"days": _days(part)}
    label = _kind_label(part.day_kind)
    if part.day_kind == "holiday" and part.name:
        label = f"{label} ({_holiday_name(part.first, part.name)})"
    elif part.day_kind == "exception_day_off" and part.name:
        label = f"{label} ({part.name})"
    return f"{_days(part)} {label}"


def _special(kind: str, day: dt.date | None) -> str:
    """ " (working Saturday)" after a day that works although it usually does not."""
    if kind == "working_weekend" and day is not None and day.weekday() >= 5:
        label = _("working Saturday") if day.weekday() == 5 else _("working Sunday")
        return f" ({label})"
    if kind in ("working_weekend", "exception_working_day", "shortened"):
        return f" ({_kind_label(kind)})"
    return ""


def phrase(part: Part) -> str:
    """One part in words."""
    if part.kind == "filed":
        assert part.at is not None
        text = _("filed %(when)s") % {"when": moment_label(part.at, zone=True)}
        return text + (" " + _("(after hours)") if part.after_hours else "")
    if part.kind == "counted":
        assert part.first is not None
        return _("%(duration)s counted on %(day)s") % {
            "duration": duration_label(part.duration),
            "day": day_label(part.first),
        } + _special(part.day_kind, part.first)
    if part.kind == "off":
        return _off(part)
    if part.kind == "paused":
        assert part.at is not None and part.until is not None
        return _("waiting for the customer %(start)s – %(end)s (%(duration)s not counted)") % {
            "start": moment_label(part.at),
            "end": moment_label(part.until),
            "duration": duration_label(part.duration),
        }
    if part.kind == "resumes":
        assert part.at is not None
        return _("resumes %(when)s") % {"when": moment_label(part.at)}
    assert part.at is not None
    due = _("due %(when)s") % {"when": moment_label(part.at)}
    return due + _special(part.day_kind, part.at.date())


def sentence(parts: Sequence[Part]) -> str:
    """The parts joined: "filed Fri 1 Nov 18:30 MSK; 30 min counted on Fri 1 Nov; ..."."""
    return "; ".join(phrase(part) for part in parts)
