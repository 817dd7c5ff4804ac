"""The span of time a support desk's records lie in.

A time a person types (when an incident happened, a phone call, a work log, an out-of-hours
window, a month to bill) is checked against it before anything computes with it: year 1 or
9999 is then a message on its field, not an OverflowError from a time zone's offset or a
business calendar (which works with the years 2-9997).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def out_of_span(moment: dt.datetime | dt.date) -> str | None:
    """Why ``moment`` (aware, or a date) is no time of ours, or None."""
    if isinstance(moment, dt.datetime):
        inside = EARLIEST <= moment < LATEST
    else:
        inside = EARLIEST.date() <= moment < LATEST.date()
    if inside:
        return None
    return _("Give a time between the years %(first)s and %(last)s.") % {
        "first": EARLIEST.year,
        "last": LATEST.year - 1,
    }


def typed_time_error(moment: dt.datetime) -> str | None:
    """Why a time a person typed cannot be used, or None: it carries its time zone (a time is
    never guessed) and lies in the span of the desk's records."""
    if timezone.is_naive(moment):
        return _("Give a time with its time zone.")
    return out_of_span(moment)
