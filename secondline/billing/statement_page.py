"""What the statement page shows: the statement with its lines and what the user may do with
it, and its corrections, revisions and act (``views`` renders it, ``views_closing`` again with
a form's errors)."""

from __future__ import annotations

from typing import Any

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import User
from secondline.billing import access, corrections, export, forms
from secondline.billing.forms_closing import CorrectLineForm, CreditForm, PriceItemForm
from secondline.billing.models import Statement, StatementCorrection


def page_context(user: User, statement: Statement, **bound: Any) -> dict[str, Any]:
    """The whole page; ``bound`` are closing forms to show again with their errors."""
    return _statement(user, statement, bound) | _closing(user, statement, bound)


def _statement(user: User, statement: Statement, bound: dict[str, Any]) -> dict[str, Any]:
    lines = export.lines_of(statement)
    can_decide = _can_decide(user, statement)
    disputing: forms.DisputeForm | None = bound.get("dispute_form")
    return {
        "statement": statement,
        "lines": lines,
        # each line with the form that disputes it: the refused one again with its errors
        "rows": [
            (line, _dispute_form(line.pk, disputing) if can_decide else None) for line in lines
        ],
        "can_decide": can_decide,
        "can_prepare": user.is_manager,
    }


def _dispute_form(line: int, disputing: forms.DisputeForm | None) -> forms.DisputeForm:
    if disputing is not None and disputing.line == line:
        return disputing
    return forms.DisputeForm(line=line)


def _can_decide(user: User, statement: Statement) -> bool:
    try:
        access.require_can_decide_statement(user, statement)
    except AccessDenied:
        return False
    return statement.status in (Statement.Status.ISSUED, Statement.Status.DISPUTED)


def _closing(user: User, statement: Statement, bound: dict[str, Any]) -> dict[str, Any]:
    """What the statement page shows about corrections, revisions and the act."""
    can_correct = user.is_manager and statement.status != Statement.Status.ISSUED
    items = statement.contract.price_list.filter(active=True)
    return {
        "changes": statement.corrections.filter(revision__gte=statement.revision).exclude(
            kind=StatementCorrection.Kind.ADJUSTMENT
        ),
        "adjustments": statement.corrections.filter(kind=StatementCorrection.Kind.ADJUSTMENT),
        "revisions": statement.revisions.order_by("number"),
        "vat_shares": corrections.vat_by_rate(statement),
        "history": statement.events.select_related("actor"),
        "can_correct": can_correct,
        "correct_form": bound.get("correct_form") or CorrectLineForm(lines=statement.lines.all()),
        "credit_form": bound.get("credit_form") or CreditForm(),
        "item_form": (bound.get("item_form") or PriceItemForm(items=items))
        if can_correct and not statement.is_final() and items.exists()
        else None,
    }
