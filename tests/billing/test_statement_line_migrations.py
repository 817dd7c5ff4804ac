"""Statements made before lines were grouped (0004) and before item-level VAT (0005) keep their
lines: each counts one work log, and each is charged its statement's VAT rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from secondline.sla.models import SLAPlan, WorkingCalendar
from tests.billing.test_prepaid_migration import _migrate, executor_leaf_nodes

BEFORE = [("billing", "0003_statement_revisions_corrections_items")]
AFTER = [("billing", "0005_vat_rate_per_price_list_item")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_lines_count_one_log_and_take_their_statements_vat_rate() -> None:
    calendar = WorkingCalendar.objects.create(name="Migration calendar")
    plan = SLAPlan.objects.create(name="Migration plan")
    old = _migrate(BEFORE)
    Contract = old.get_model("accounts", "Contract")  # type: ignore[attr-defined]
    Statement = old.get_model("billing", "Statement")  # type: ignore[attr-defined]
    Line = old.get_model("billing", "StatementLine")  # type: ignore[attr-defined]
    customer = old.get_model("accounts", "Organization").objects.create(  # type: ignore[attr-defined]
        name="Migration customer", kind="customer"
    )
    contract = Contract.objects.create(
        number="M-1",
        customer=customer,
        calendar=old.get_model("sla", "WorkingCalendar").objects.get(pk=calendar.pk),  # type: ignore[attr-defined]
        sla_plan=old.get_model("sla", "SLAPlan").objects.get(pk=plan.pk),  # type: ignore[attr-defined]
        hourly_rate=Decimal("1000"),
        starts_on=dt.date(2025, 3, 1),
    )
    moment = dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)
    money = {"hourly_rate": Decimal(1000), "out_of_hours_rate": Decimal(2000)}
    for number, vat in (("20", Decimal(20)), ("none", None)):
        statement = Statement.objects.create(
            contract=contract,
            period=dt.date(2025, 3 if vat else 4, 1),
            currency="RUB",
            multiplier=Decimal(2),
            rounding_minutes=15,
            generated_at=moment,
            vat_rate=vat,
            **money,
        )
        Line.objects.create(
            statement=statement,
            ticket_number=f"SL-{number}",
            ticket_subject="x",
            work_date=moment.date(),
            started_at=moment,
            ended_at=moment,
            agent_name="a",
            activity="fix",
            business_minutes=60,
            out_of_hours_minutes=0,
            unverified_minutes=0,
            business_amount=Decimal(1000),
            out_of_hours_amount=Decimal(0),
            amount=Decimal(1000),
            **money,
        )

    new = _migrate(AFTER)
    Line = new.get_model("billing", "StatementLine")  # type: ignore[attr-defined]
    lines = dict(Line.objects.values_list("ticket_number", "vat_rate"))
    assert lines == {"SL-20": Decimal("20.00"), "SL-none": None}
    assert set(Line.objects.values_list("worklog_count", flat=True)) == {1}
    _migrate(executor_leaf_nodes())
