"""Only a draft statement is rebuilt from the work logs (F7): an issued revision is the
customer's to decide on, and a disputed one keeps its disputes for the manager's corrections."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from secondline.billing import corrections, statements
from secondline.billing.models import PriceListItem, Statement, StatementLine
from tests.billing.closing import NOVEMBER, close_month_setup


@pytest.fixture
def draft(personas: Any, manager: Any) -> Statement:
    close_month_setup(personas)  # 6 h of work at 4000 RUB/h = 24000.00
    return statements.generate_statement(personas.contract, NOVEMBER, manager)


def snapshot(statement: Statement) -> tuple[Any, ...]:
    statement = Statement.objects.get(pk=statement.pk)
    lines = statement.lines.order_by("pk").values_list(
        "pk", "amount", "disputed", "dispute_comment"
    )
    return statement.status, statement.revision, statement.issued_at, list(lines)


def test_a_draft_is_rebuilt_and_keeps_its_items(
    personas: Any, draft: Statement, manager: Any
) -> None:
    item = PriceListItem.objects.get(contract=personas.contract)
    corrections.add_price_item(draft, manager, item=item, quantity=Decimal(2))
    rebuilt = statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert rebuilt.pk == draft.pk and rebuilt.status == Statement.Status.DRAFT
    assert rebuilt.total_amount == Decimal("44000.00")
    assert rebuilt.lines.filter(kind=StatementLine.Kind.ITEM).count() == 1


def test_an_issued_statement_is_not_rebuilt_while_the_customer_decides(
    personas: Any, draft: Statement, manager: Any, responsible: Any
) -> None:
    issued = statements.issue_statement(draft, manager)
    before = snapshot(issued)
    with pytest.raises(ValidationError) as refused:
        statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert refused.value.message_dict == {
        "period": ["The customer is deciding on this revision; wait for their answer."]
    }
    assert snapshot(issued) == before
    assert statements.approve_statement(issued, responsible).status == Statement.Status.APPROVED


def test_a_disputed_statement_keeps_its_disputes(
    personas: Any, draft: Statement, manager: Any, responsible: Any
) -> None:
    issued = statements.issue_statement(draft, manager)
    line = issued.lines.order_by("started_at")[0]
    statements.dispute_line(line, responsible, "We agreed 1 h")
    before = snapshot(issued)
    with translation.override("ru"), pytest.raises(ValidationError) as refused:
        statements.generate_statement(personas.contract, NOVEMBER, manager)
    assert refused.value.message_dict["period"][0].startswith("Заказчик оспорил строки")
    assert snapshot(issued) == before
    # the documented answer to a dispute is a correction, then a new revision
    corrections.correct_line(line, manager, reason="Agreed", business_hours=Decimal(1))
    reissued = statements.issue_statement(issued, manager)
    assert (reissued.status, reissued.revision) == (Statement.Status.ISSUED, 2)
