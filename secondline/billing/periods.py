"""Billing months: a contract's month as instants in its calendar's zone, the rule that an
approved month is closed, and the contract's term (only work within it is billed)."""

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


def month_of(contract: Contract, moment: dt.datetime) -> dt.date:
    """The first day of the contract's billing month that ``moment`` (aware) falls in."""
    return moment.astimezone(zone_of(contract)).date().replace(day=1)


def approved_months(contract: Contract, *moments: dt.datetime) -> set[dt.date]:
    """The months of ``moments`` whose statement is approved, so final (one query)."""
    return set(
        Statement.objects.filter(
            contract=contract,
            period__in={month_of(contract, moment) for moment in moments},
            status=Statement.Status.APPROVED,
        ).values_list("period", flat=True)
    )


def check_month_open(contract: Contract, *moments: dt.datetime) -> None:
    """Contract rule: an approved statement is final, so its month's work cannot change."""
    if approved_months(contract, *moments):
        raise ValidationError(
            {
                "started_at": [
                    _("The statement for this month is approved; its work can no longer change.")
                ]
            }
        )


def term_bounds(contract: Contract) -> tuple[dt.datetime, dt.datetime | None]:
    """The contract's term as instants in its calendar's zone: [first day's start, the start
    of the day after its last day), open-ended when the contract has no end."""
    zone = zone_of(contract)
    start = dt.datetime.combine(contract.starts_on, dt.time(), zone)
    if contract.ends_on is None:
        return start, None
    return start, dt.datetime.combine(contract.ends_on + dt.timedelta(days=1), dt.time(), zone)


def _ended(contract: Contract) -> str:
    assert contract.ends_on is not None
    return _(
        "Contract %(number)s ended on %(date)s; work after that day is not billed under it."
    ) % {"number": contract.number, "date": contract.ends_on.isoformat()}


def _not_started(contract: Contract) -> str:
    return _(
        "Contract %(number)s starts on %(date)s; work before that day is not billed under it."
    ) % {"number": contract.number, "date": contract.starts_on.isoformat()}


def term_errors(contract: Contract, start: dt.datetime, end: dt.datetime) -> dict[str, list[str]]:
    """Why work from ``start`` to ``end`` lies outside the contract's term, per field.

    Contract rule: the contract bills the support given during its term, from ``starts_on``
    to ``ends_on`` inclusive, in the days of its calendar's zone.
    """
    first, after = term_bounds(contract)
    if start < first:
        return {"started_at": [_not_started(contract)]}
    if after is not None and start >= after:
        return {"started_at": [_ended(contract)]}
    if after is not None and end > after:
        return {"ended_at": [_ended(contract)]}
    return {}


def month_term_error(contract: Contract, period: dt.date) -> str | None:
    """Why the month of ``period`` cannot be billed under the contract, or None: it lies wholly
    before the contract starts or after it ends (a month the term touches is billed)."""
    first, after = month_bounds(contract, period)
    term_first, term_after = term_bounds(contract)
    if after <= term_first:
        return _not_started(contract)
    if term_after is not None and first >= term_after:
        return _ended(contract)
    return None
