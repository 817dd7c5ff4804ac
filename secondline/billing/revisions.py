"""Statement revisions: each issue keeps the statement as the customer received it.

A revision holds the totals and a plain copy of every line, so revision 1 stays readable
after the lines were corrected for revision 2.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from secondline.accounts.models import User
from secondline.billing.models import Statement, StatementRevision

#: The fields of a line kept in a revision (plain JSON values).
LINE_FIELDS = (
    "id",
    "kind",
    "work_date",
    "ticket_number",
    "ticket_subject",
    "activity",
    "description",
    "business_minutes",
    "out_of_hours_minutes",
    "hourly_rate",
    "out_of_hours_rate",
    "quantity",
    "unit_price",
    "amount",
    "vat_rate",
    "corrected",
)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal and date as text: exact, and JSON has no type for them


def snapshot(statement: Statement, actor: User | None) -> StatementRevision:
    """Keep ``statement`` as issued now, as its revision number ``statement.revision``."""
    rows = statement.lines.order_by("started_at", "pk").values_list(*LINE_FIELDS)
    return StatementRevision.objects.create(
        statement=statement,
        number=statement.revision,
        issued_at=statement.issued_at or timezone.now(),
        issued_by=actor,
        total_amount=statement.total_amount,
        amount_due=statement.amount_due,
        vat_amount=statement.vat_amount,
        amount_due_with_vat=statement.amount_due_with_vat,
        lines=[{f: _plain(v) for f, v in zip(LINE_FIELDS, row, strict=True)} for row in rows],
    )
