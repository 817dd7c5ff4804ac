"""Prepaid hour packages: what each has left, what each day drew, and the 80 % warning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from secondline.accounts.models import Contract
from secondline.billing import notify, rules
from secondline.billing.models import (
    BillingTerms,
    PrepaidPackage,
    Statement,
    StatementCorrection,
    StatementLine,
    WorkLog,
)
from secondline.billing.periods import month_bounds, zone_of


@dataclass(frozen=True)
class PackageBalance:
    package: PrepaidPackage
    used_minutes: Decimal

    @property
    def used_hours(self) -> Decimal:
        return rules.hours(self.used_minutes)

    @property
    def left_hours(self) -> Decimal:
        return rules.money(self.package.hours - self.used_minutes / rules.MINUTES_PER_HOUR)

    @property
    def used_percent(self) -> Decimal:
        share = rules.used_share(self.used_minutes, self.package.hours * rules.MINUTES_PER_HOUR)
        return (share * 100).quantize(Decimal(1))


def _daily_usage(
    contract: Contract, since: dt.date, until: dt.date | None = None
) -> list[tuple[dt.date, Decimal]]:
    """Billed minutes per local day, out-of-hours minutes weighted by the multiplier."""
    zone = zone_of(contract)
    logs = WorkLog.objects.filter(
        contract=contract,
        started_at__gte=dt.datetime.combine(since, dt.time(), zone),
    )
    if until is not None:
        logs = logs.filter(started_at__lt=dt.datetime.combine(until, dt.time(), zone))
    rows = (
        logs.annotate(day=TruncDate("started_at", tzinfo=zone))
        .values("day")
        .annotate(b=Sum("billed_business_minutes"), o=Sum("billed_out_of_hours_minutes"))
        .order_by("day")
    )
    multiplier = contract.out_of_hours_multiplier
    usage = {
        row["day"]: rules.weighted_minutes(row["b"] or 0, row["o"] or 0, multiplier) for row in rows
    }
    for day, change in _corrected_minutes(contract, since, until).items():
        usage[day] = max(usage.get(day, rules.ZERO) + change, rules.ZERO)
    return sorted(usage.items())


def _corrected_minutes(
    contract: Contract, since: dt.date, until: dt.date | None
) -> dict[dt.date, Decimal]:
    """Contract rule: a line's hours corrected before the statement is approved change the
    prepaid minutes its day drew (a reduction gives them back to the packages, in the same
    month). A correction after approval is an adjustment of money in the next month's
    statement (``corrections.adjustment_lines``) and leaves the prepaid hours alone."""
    rows = (
        StatementCorrection.objects.filter(
            statement__contract=contract,
            kind=StatementCorrection.Kind.LINE,
            line__work_date__gte=since,
        )
        .values("line__work_date")
        .annotate(
            b=Sum(F("new_business_minutes") - F("old_business_minutes")),
            o=Sum(F("new_out_of_hours_minutes") - F("old_out_of_hours_minutes")),
        )
    )
    if until is not None:
        rows = rows.filter(line__work_date__lt=until)
    multiplier = contract.out_of_hours_multiplier
    return {
        row["line__work_date"]: rules.weighted_minutes(row["b"] or 0, row["o"] or 0, multiplier)
        for row in rows
        if row["b"] or row["o"]
    }


def prepaid_draw(
    contract: Contract, until: dt.date | None = None
) -> tuple[list[PackageBalance], dict[dt.date, Decimal]]:
    """Each prepaid package with the minutes drawn from it (work dated before ``until``), and
    the minutes drawn per day; see ``rules.draw_down`` for the order packages are used in."""
    packages = list(PrepaidPackage.objects.filter(contract=contract).select_related("contract"))
    if not packages:
        return [], {}
    since = min(package.valid_from for package in packages)
    used, drawn = rules.draw_down(
        [package.as_rule() for package in packages], _daily_usage(contract, since, until)
    )
    return [PackageBalance(p, used[p.pk]) for p in packages], drawn


def draw_for_statement(statement: Statement) -> None:
    """The prepaid minutes the statement's month drew, what they are worth (never more than
    the total), what is left in the packages valid at the month's end, and the amount due."""
    contract = statement.contract
    first, after = month_bounds(contract, statement.period)
    first_day, last = first.date(), (after - dt.timedelta(seconds=1)).date()
    balances, drawn = prepaid_draw(contract, until=last + dt.timedelta(days=1))
    used = sum((m for day, m in drawn.items() if first_day <= day <= last), rules.ZERO)
    left = sum(
        (
            b.package.hours * rules.MINUTES_PER_HOUR - b.used_minutes
            for b in balances
            if b.package.valid_until >= last and b.package.valid_from <= last
        ),
        rules.ZERO,
    )
    statement.prepaid_minutes_used = used
    statement.prepaid_minutes_left = left
    covered = min(_covered(statement, drawn), statement.total_amount)
    statement.prepaid_amount = max(covered, rules.ZERO)
    statement.amount_due = statement.total_amount - statement.prepaid_amount


def _covered(statement: Statement, drawn: dict[dt.date, Decimal]) -> Decimal:
    """The money the month's drawn minutes cover, priced by the statement's work lines of
    each day (``rules.covered_amount``); the lines hold the corrected hours, as the draw does."""
    multiplier = statement.contract.out_of_hours_multiplier
    days = (
        statement.lines.filter(kind=StatementLine.Kind.WORK)
        .values("work_date")
        .annotate(a=Sum("amount"), b=Sum("business_minutes"), o=Sum("out_of_hours_minutes"))
        .order_by()
    )
    return rules.covered_amount(
        rules.DayOfWork(
            amount=row["a"],
            weighted=rules.weighted_minutes(row["b"], row["o"], multiplier),
            drawn=drawn.get(row["work_date"], rules.ZERO),
        )
        for row in days
    )


def prepaid_balance(contract: Contract) -> list[PackageBalance]:
    """Each prepaid package of the contract with the minutes drawn from it so far."""
    return prepaid_draw(contract)[0]


def check_prepaid(contract: Contract) -> None:
    """Warn managers and the customer's responsible people once when a package passes the
    contract's threshold (80 % by default); the conditional update makes it once only."""
    if not PrepaidPackage.objects.filter(contract=contract, warned_at__isnull=True).exists():
        return
    terms = BillingTerms.for_contract(contract.pk)
    threshold = Decimal(terms.prepaid_warning_percent)
    for balance in prepaid_balance(contract):
        package = balance.package
        if package.warned_at is not None or balance.used_percent < threshold:
            continue
        claimed = PrepaidPackage.objects.filter(pk=package.pk, warned_at__isnull=True).update(
            warned_at=timezone.now()
        )
        if claimed:
            notify.send(
                notify.managers() + notify.responsible_people(contract.customer),
                "prepaid_warning",
                {
                    "package": package,
                    "used": balance.used_hours,
                    "left": balance.left_hours,
                    "percent": balance.used_percent,
                },
            )


@dataclass(frozen=True)
class PrepaidSummary:
    """A contract's prepaid hours valid on a day, as the customer sees them: bought, used, left."""

    hours: Decimal
    used_hours: Decimal
    left_hours: Decimal
    packages: list[PackageBalance]


def prepaid_summary(contract: Contract, on: dt.date | None = None) -> PrepaidSummary:
    """The packages valid on ``on`` (today by default) added up; used hours count all billed
    work so far, out-of-hours work at the multiplier (``rules.weighted_minutes``)."""
    day = on or timezone.localdate()
    current = [
        b for b in prepaid_balance(contract) if b.package.valid_from <= day <= b.package.valid_until
    ]
    hours = sum((b.package.hours for b in current), rules.ZERO)
    used = sum((b.used_hours for b in current), rules.ZERO)
    return PrepaidSummary(rules.money(hours), rules.money(used), rules.money(hours - used), current)
