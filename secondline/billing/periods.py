"""Billing months: a contract's month as instants in its calendar's zone, and the rule that an
approved month is closed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract
from secondline.billing.models import Statement


def zone_of(contract: Contract) -> ZoneInfo:
    """The zone the contract's calendar, and so its billing months, are reckoned in."""
    return ZoneInfo(contract.calendar.time_zone)


def month_bounds(contract: Contract, period: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month as instants in the contract calendar's zone: [first, after)."""
    zone = zone_of(contract)
    first = period.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return dt.datetime.combine(first, dt.time(), zone), dt.datetime.combine(
        following, dt.time(), zone
    )


def check_month_open(contract: Contract, *moments: dt.datetime) -> None:
    """Contract rule: an approved statement is final, so its month's work cannot change."""
    zone = zone_of(contract)
    periods = {moment.astimezone(zone).date().replace(day=1) for moment in moments}
    if Statement.objects.filter(
        contract=contract, period__in=periods, status=Statement.Status.APPROVED
    ).exists():
        raise ValidationError(
            {
                "started_at": [
                    _("The statement for this month is approved; its work can no longer change.")
                ]
            }
        )
