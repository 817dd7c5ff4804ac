"""Item-level VAT: a price list item may have its own VAT rate; each line shows its rate, and
the act, the workbook and the 1C JSON sum VAT by rate (docs/billing.md, "Price list items
and VAT")."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from secondline.billing import accounting, acts, corrections, export, statements
from secondline.billing.models import PrepaidPackage, PriceListItem, Statement
from tests.billing.closing import NOVEMBER, close_month_setup


def _with_items(personas: Any, manager: Any, vat: str | None = "20") -> Statement:
    close_month_setup(personas, vat=vat)  # 6 h of work at 4000 RUB/h = 24000.00
    contract = personas.contract
    reduced = PriceListItem.objects.create(
        contract=contract, name="Training, per person", price=Decimal(5000), vat_rate=10
    )
    flat = PriceListItem.objects.get(contract=contract, name="Update installation, flat")
    statement = statements.generate_statement(contract, NOVEMBER, manager)
    corrections.add_price_item(statement, manager, item=reduced, quantity=Decimal(2))
    corrections.add_price_item(statement, manager, item=flat, quantity=Decimal(1))
    statement.refresh_from_db()
    return statement


def test_each_line_has_its_rate_and_vat_is_summed_by_rate(personas: Any, manager: Any) -> None:
    statement = _with_items(personas, manager)
    rates = {line.description or line.kind: line.vat_rate for line in statement.lines.all()}
    assert rates == {
        "Day 5": Decimal(20),
        "Day 6": Decimal(20),
        "Day 7": Decimal(20),
        "Training, per person": Decimal(10),
        "Update installation, flat": Decimal(20),  # no rate of its own: the contract's
    }
    shares = [(s.rate, s.base, s.vat) for s in corrections.vat_by_rate(statement)]
    assert shares == [(Decimal(20), Decimal(34000), Decimal(6800)), (10, 10000, 1000)]
    assert statement.total_amount == Decimal("44000.00")
    assert (statement.vat_amount, statement.amount_due_with_vat) == (
        Decimal("7800.00"),
        Decimal("51800.00"),
    )


def test_prepaid_hours_come_off_the_work_at_the_statements_rate(
    personas: Any, manager: Any
) -> None:
    PrepaidPackage.objects.create(
        contract=personas.contract,
        hours=Decimal(2),
        purchased_on=dt.date(2024, 10, 1),
        valid_from=dt.date(2024, 11, 1),
        valid_until=dt.date(2024, 12, 31),
    )
    statement = _with_items(personas, manager)
    assert statement.prepaid_amount == Decimal("8000.00")
    shares = [(s.rate, s.base, s.vat) for s in corrections.vat_by_rate(statement)]
    assert shares == [(20, Decimal(26000), Decimal(5200)), (10, 10000, 1000)]
    assert statement.vat_amount == Decimal("6200.00")


def test_without_vat_an_items_rate_is_not_charged(personas: Any, manager: Any) -> None:
    statement = _with_items(personas, manager, vat=None)
    assert set(statement.lines.values_list("vat_rate", flat=True)) == {None}
    assert statement.vat_amount == Decimal("0.00")


def test_the_act_and_exports_show_the_rates(personas: Any, manager: Any, responsible: Any) -> None:
    statement = statements.issue_statement(_with_items(personas, manager), manager)
    statement = statements.approve_statement(statement, responsible)
    html = acts.act_html(statement, "en")
    assert "VAT 20% (on 34000.00)" in html and "VAT 10% (on 10000.00)" in html
    assert "НДС 10%" in acts.act_html(statement, "ru")
    data = accounting.accounting_json(statement, "en")
    assert {line["vat_rate"] for line in data["lines"]} == {"20.00", "10.00"}
    assert data["vat_by_rate"] == [
        {"rate": "20.00", "base": "34000.00", "vat": "6800.00"},
        {"rate": "10.00", "base": "10000.00", "vat": "1000.00"},
    ]
    assert data["totals"]["vat"] == "7800.00"
    sheet = load_workbook(io.BytesIO(accounting.statement_xlsx(statement, "en"))).active
    cells = {row[0]: row[6] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert (cells["VAT 20%"], cells["VAT 10%"]) == (6800, 1000)
    assert export.statement_csv(statement, "en").splitlines()[0].endswith(",VAT rate (%)")


def test_an_items_rate_is_checked_in_the_back_office(personas: Any) -> None:
    item = PriceListItem(contract=personas.contract, name="x", price=Decimal(1), vat_rate=120)
    with pytest.raises(ValidationError) as refused:
        item.full_clean()
    assert "vat_rate" in refused.value.message_dict
