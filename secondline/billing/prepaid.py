"""Prepaid hour packages: what each has left, what each day drew, and the 80 % warning."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from secondline.accounts.models import Contract
from secondline.billing import notify, rules
from secondline.billing.models import BillingTerms, PrepaidPackage, WorkLog
from secondline.billing.periods import zone_of


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
    return [
        (row["day"], rules.weighted_minutes(row["b"] or 0, row["o"] or 0, multiplier))
        for row in rows
    ]


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
