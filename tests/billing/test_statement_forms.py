"""The forms of the statement page: a disputed line is checked like the API checks it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from secondline.billing import statements
from secondline.billing.models import Statement, StatementEvent, StatementLine
from tests.billing.conftest import msk


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def issued(personas: Any, ticket: Any, log: Any, manager: Any) -> Statement:
    log(ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12))
    statement = statements.generate_statement(personas.contract, msk(2024, 11, 1).date(), manager)
    return statements.issue_statement(statement, manager)


@pytest.mark.parametrize(
    ("comment", "refusal"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 5001, "at most 5000 characters"),
    ],
)
def test_a_dispute_without_a_fit_comment_is_refused_by_its_line(
    issued: Statement, responsible: Any, comment: str, refusal: str
) -> None:
    """The page again (400) with the message by the disputed line and the comment kept, not a
    flash over an emptied form; the 5,000 characters are the API's DisputeSerializer's."""
    line = issued.lines.get()
    answer = client_for(responsible).post(
        f"/billing/statements/{issued.pk}/",
        {"action": "dispute", "line": line.pk, "comment": comment},
    )
    assert answer.status_code == 400
    (_line, form), *_others = answer.context["rows"]
    assert form.line == line.pk
    assert refusal in " ".join(form.errors["comment"])
    assert form["comment"].value() == comment
    assert refusal in answer.content.decode()
    assert not StatementLine.objects.filter(disputed=True).exists()
    issued.refresh_from_db()
    assert issued.status == Statement.Status.ISSUED
    assert not issued.events.filter(kind=StatementEvent.Kind.DISPUTED).exists()


def test_a_dispute_with_a_comment_is_stored(issued: Statement, responsible: Any) -> None:
    line = issued.lines.get()
    url = f"/billing/statements/{issued.pk}/"
    answer = client_for(responsible).post(
        url, {"action": "dispute", "line": line.pk, "comment": " Two hours, not one "}
    )
    assert answer.status_code == 302 and answer["Location"] == url
    line.refresh_from_db()
    assert line.disputed and line.dispute_comment == "Two hours, not one"
    issued.refresh_from_db()
    assert issued.status == Statement.Status.DISPUTED
    assert "Two hours, not one" in client_for(responsible).get(url).content.decode()


def test_only_the_customer_disputes_and_issue_and_approve_still_work(
    issued: Statement, manager: Any, responsible: Any
) -> None:
    url = f"/billing/statements/{issued.pk}/"
    line = issued.lines.get()
    contractor, customer = client_for(manager), client_for(responsible)
    refused = contractor.post(url, {"action": "dispute", "line": line.pk, "comment": "Mine"})
    assert refused.status_code == 302  # the reason is a message: the manager has no form here
    line.refresh_from_db()
    assert not line.disputed
    page = customer.get(url)
    assert page.status_code == 200 and f'id="id_line_{line.pk}_comment"' in page.content.decode()
    assert customer.post(url, {"action": "approve"}).status_code == 302
    issued.refresh_from_db()
    assert issued.status == Statement.Status.APPROVED
    assert contractor.post(url, {"action": "issue"}).status_code == 302
    assert "Only a draft or disputed statement is issued." in contractor.get(url).content.decode()


def test_a_line_of_another_statement_is_not_found(issued: Statement, responsible: Any) -> None:
    answer = client_for(responsible).post(
        f"/billing/statements/{issued.pk}/", {"action": "dispute", "line": "x", "comment": "Why"}
    )
    assert answer.status_code == 404
