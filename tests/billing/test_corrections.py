"""Corrections after a dispute: each refusal is a 400 naming the field; credits, price list
items, adjustments carried to the next month, events and the paper trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from secondline.billing import acts, corrections, statements, worklogs
from secondline.billing.models import PriceListItem, Statement, StatementEvent, StatementLine
from secondline.billing.statement_events import statement_changed
from tests.billing.closing import NOVEMBER, close_month_setup
from tests.billing.conftest import msk


@pytest.fixture
def issued(personas: Any, manager: Any) -> Statement:
    close_month_setup(personas)
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    return statements.issue_statement(statement, manager)


@pytest.fixture
def disputed(issued: Statement, responsible: Any) -> Statement:
    line = issued.lines.order_by("started_at")[2]
    statements.dispute_line(line, responsible, "We agreed 2 h")
    issued.refresh_from_db()
    return issued


def _url(statement: Statement, action: str) -> str:
    return f"/api/statements/{statement.pk}/{action}/"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"business_hours": "2"}, "reason"),
        ({"business_hours": "2", "reason": "  "}, "reason"),
        ({"reason": "No change given"}, "amount"),
        ({"business_hours": "-1", "reason": "x"}, "business_hours"),
        ({"business_hours": "abc", "reason": "x"}, "business_hours"),
        ({"out_of_hours_hours": "9999", "reason": "x"}, "out_of_hours_hours"),
        ({"amount": "-5", "reason": "x"}, "amount"),
    ],
)
def test_a_bad_correction_is_a_400_naming_the_field(
    api_as: Any, manager: Any, disputed: Statement, body: dict[str, str], field: str
) -> None:
    body = {"line": disputed.lines.first().pk, **body}  # type: ignore[union-attr]
    answer = api_as(manager).post(_url(disputed, "correct"), body, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    disputed.refresh_from_db()
    assert not disputed.corrections.exists()


def test_an_issued_statement_waits_for_the_customer(
    api_as: Any, manager: Any, issued: Statement
) -> None:
    body = {"line": issued.lines.first().pk, "amount": "1", "reason": "x"}  # type: ignore[union-attr]
    answer = api_as(manager).post(_url(issued, "correct"), body, format="json")
    assert answer.status_code == 400
    assert "status" in answer.json()


def test_only_a_manager_corrects(
    api_as: Any, responsible: Any, agent: Any, outsider: Any, disputed: Statement
) -> None:
    body = {"line": disputed.lines.first().pk, "amount": "1", "reason": "x"}  # type: ignore[union-attr]
    assert (
        api_as(responsible).post(_url(disputed, "correct"), body, format="json").status_code == 403
    )
    assert api_as(agent).post(_url(disputed, "correct"), body, format="json").status_code == 403
    assert api_as(outsider).post(_url(disputed, "correct"), body, format="json").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0", "description": "Goodwill", "reason": "x"}, "amount"),
        ({"amount": "100", "description": "", "reason": "x"}, "description"),
        ({"amount": "100", "description": "Goodwill"}, "reason"),
    ],
)
def test_a_bad_credit_is_a_400_naming_the_field(
    api_as: Any, manager: Any, disputed: Statement, body: dict[str, str], field: str
) -> None:
    answer = api_as(manager).post(_url(disputed, "credit"), body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()


def test_a_credit_line_lowers_the_total_and_is_shown_as_a_change(
    api_as: Any, manager: Any, disputed: Statement
) -> None:
    body = {"amount": "1000", "description": "Goodwill for the outage", "reason": "Outage"}
    answer = api_as(manager).post(_url(disputed, "credit"), body, format="json").json()
    assert answer["total_amount"] == "23000.00"
    assert answer["lines"][-1]["kind"] == "credit"
    assert answer["lines"][-1]["amount"] == "-1000.00"
    assert answer["changes"][0]["kind"] == "credit"
    assert (answer["vat_amount"], answer["amount_due_with_vat"]) == ("4600.00", "27600.00")


def test_price_list_items_carry_quantity_and_vat(
    api_as: Any, manager: Any, personas: Any, disputed: Statement
) -> None:
    item = PriceListItem.objects.get(contract=personas.contract)
    other = PriceListItem.objects.create(
        contract=personas.other_contract, name="Other", price=Decimal(1)
    )
    url = _url(disputed, "items")
    refused = api_as(manager).post(url, {"item": other.pk, "quantity": "1"}, format="json")
    assert refused.status_code == 400 and "item" in refused.json()
    refused = api_as(manager).post(url, {"item": item.pk, "quantity": "0"}, format="json")
    assert refused.status_code == 400 and "quantity" in refused.json()
    added = api_as(manager).post(url, {"item": item.pk, "quantity": "2"}, format="json").json()
    line = added["lines"][-1]
    assert (line["kind"], line["quantity"], line["unit_price"], line["amount"]) == (
        "item",
        "2.00",
        "10000.00",
        "20000.00",
    )
    assert (added["total_amount"], added["vat_amount"]) == ("44000.00", "8800.00")


def test_a_corrected_statement_is_not_rebuilt(
    manager: Any, personas: Any, disputed: Statement
) -> None:
    from django.core.exceptions import ValidationError

    corrections.add_credit(disputed, manager, amount=Decimal(1), description="x", reason="y")
    with pytest.raises(ValidationError) as refused:
        statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert "period" in refused.value.message_dict


def test_a_correction_after_approval_goes_to_the_next_month(
    personas: Any, manager: Any, responsible: Any, issued: Statement, agent: Any
) -> None:
    statements.approve_statement(issued, responsible)
    line = issued.lines.order_by("started_at")[0]
    adjustment = corrections.correct_line(
        line, manager, business_hours=Decimal("1.5"), reason="Found a double count"
    )
    assert adjustment.kind == "adjustment" and adjustment.difference == Decimal("-2000.00")
    issued.refresh_from_db()
    assert issued.total_amount == Decimal("24000.00")  # the approved month is final
    ticket = line.ticket
    with __import__("time_machine").travel(msk(2024, 12, 20), tick=False):
        worklogs.log_work(
            ticket,
            agent,
            worklogs.WorkEntry(
                activity="fix", started_at=msk(2024, 12, 3, 10), ended_at=msk(2024, 12, 3, 11)
            ),
        )
    december = statements.generate_statement(personas.contract, dt.date(2024, 12, 1), manager)
    kinds = [(line.kind, line.amount) for line in december.lines.order_by("started_at", "pk")]
    assert kinds == [("work", Decimal("4000.00")), ("adjustment", Decimal("-2000.00"))]
    assert december.total_amount == Decimal("2000.00")
    adjustment.refresh_from_db()
    assert adjustment.carried_to == december
    again = statements.generate_statement(personas.contract, dt.date(2024, 12, 1), manager)
    assert again.lines.filter(kind="adjustment").count() == 1  # carried once


def test_every_step_is_an_event_announced_through_billings_seam(
    manager: Any, responsible: Any, disputed: Statement
) -> None:
    heard: list[str] = []

    def listen(sender: Any, event: StatementEvent, **kwargs: Any) -> None:
        heard.append(event.kind)

    statement_changed.connect(listen)
    try:
        line = disputed.lines.order_by("started_at")[2]
        corrections.correct_line(line, manager, amount=Decimal("8000"), reason="Agreed")
        statements.issue_statement(disputed, manager)
        statements.approve_statement(disputed, responsible)
    finally:
        statement_changed.disconnect(listen)
    assert heard == ["corrected", "issued", "approved"]
    kinds = list(disputed.events.values_list("kind", "revision"))
    assert kinds == [
        ("issued", 1),
        ("disputed", 1),
        ("corrected", 1),
        ("issued", 2),
        ("approved", 2),
    ]
    assert line.ticket.events.filter(field="statement_line", actor=manager).exists()


def test_the_act_waits_for_approval(api_as: Any, responsible: Any, issued: Statement) -> None:
    for action in ("act", "xlsx", "accounting"):
        answer = api_as(responsible).get(_url(issued, action))
        assert answer.status_code == 400, action
        assert "status" in answer.json()


def test_a_credit_never_exceeds_the_statements_total(
    api_as: Any, manager: Any, disputed: Statement
) -> None:
    body = {"amount": "24000.01", "description": "Too much", "reason": "x"}
    answer = api_as(manager).post(_url(disputed, "credit"), body, format="json")
    assert answer.status_code == 400 and "amount" in answer.json()


@pytest.mark.parametrize(
    ("business", "out_of_hours", "amount", "price"),
    [
        (120, 0, "8000.00", Decimal("4000.00")),  # two hours at the rate
        (0, 60, "8000.00", Decimal("8000.00")),  # one hour at the doubled rate
        (60, 60, "12000.00", None),  # two rates on one line: no single price
        (120, 0, "7000.00", None),  # corrected to an amount of its own
    ],
)
def test_an_act_row_shows_the_hours_price_only_when_one_rate_made_its_amount(
    business: int, out_of_hours: int, amount: str, price: Decimal | None
) -> None:
    line = StatementLine(
        kind=StatementLine.Kind.WORK,
        business_minutes=business,
        out_of_hours_minutes=out_of_hours,
        hourly_rate=Decimal("4000.00"),
        out_of_hours_rate=Decimal("8000.00"),
        amount=Decimal(amount),
    )
    assert acts._row(1, line).price == price
