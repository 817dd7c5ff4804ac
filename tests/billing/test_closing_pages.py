"""The statement page for closing a month: the manager corrects, the customer sees what
changed, earlier revisions stay readable, the act and the workbook download."""

from __future__ import annotations

from typing import Any

from django.test import Client

from secondline.billing import statements
from tests.billing.closing import NOVEMBER, close_month_setup


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_manager_corrects_a_disputed_line_on_the_page(
    personas: Any, manager: Any, responsible: Any
) -> None:
    close_month_setup(personas)
    statement = statements.generate_statement(personas.contract, NOVEMBER, manager)
    statements.issue_statement(statement, manager)
    line = statement.lines.order_by("started_at")[2]
    statements.dispute_line(line, responsible, "We agreed 2 h")
    boss = client_for(manager)
    page = f"/billing/statements/{statement.pk}/"
    assert "Correct the line" in boss.get(page).content.decode()

    refused = boss.post(page + "correct/", {"line": line.pk, "business_hours": "2"})
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    refused = boss.post(page + "correct/", {"line": line.pk, "reason": "Agreed"})
    assert refused.status_code == 400
    assert "Give the corrected hours or the amount." in refused.content.decode()

    done = boss.post(
        page + "correct/", {"line": line.pk, "business_hours": "2", "reason": "Agreed"}
    )
    assert done.status_code == 302
    statements.issue_statement(statement, manager)

    responsible.language = "ru"
    responsible.save()
    seen = client_for(responsible).get(page, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Что изменилось" in seen and "12000.00 → 8000.00" in seen and "Agreed" in seen
    assert "Correct the line" not in seen and "Исправить строку" not in seen
    first = client_for(responsible).get(page + "revisions/1/").content.decode()
    assert "12000.00" in first
    assert client_for(personas.outsider).get(page + "revisions/1/").status_code == 404

    not_yet = client_for(responsible).get(page + "act/")
    assert not_yet.status_code == 302  # back to the statement with a message
    statements.approve_statement(statement, responsible)
    act = client_for(responsible).get(page + "act/?lang=ru")
    assert act["Content-Type"] == "application/pdf" and act.content.startswith(b"%PDF")
    workbook = client_for(responsible).get(page + "xlsx/")
    assert workbook.content.startswith(b"PK")
