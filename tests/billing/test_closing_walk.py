"""The month closed through the API, as the demo walk goes: the manager issues November's
statement, the customer disputes a line, the manager corrects it, the customer approves
revision 2; the act (PDF, both languages), the XLSX and the 1C JSON carry the same totals."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.billing.closing import close_month_setup


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_it_closes_november_through_the_api(
    api_as: Any, personas: Any, manager: Any, responsible: Any, sent: Any, mailoutbox: Any
) -> None:
    responsible.language = "ru"
    responsible.save()
    close_month_setup(personas)
    boss, customer = api_as(manager), api_as(responsible)

    created = boss.post(
        "/api/statements/",
        {"contract": personas.contract.pk, "period": "2024-11-01"},
        format="json",
    ).json()
    url = f"/api/statements/{created['id']}/"
    assert created["total_amount"] == "24000.00"  # 6 h at 4000
    with sent():
        issued = boss.post(url + "issue/").json()
    assert (issued["revision"], issued["vat_amount"]) == (1, "4800.00")
    assert [m.to for m in mailoutbox] == [[responsible.email]]
    assert "выставлен" in mailoutbox[0].subject  # in the responsible person's language

    first = issued["lines"][2]  # 7 November: 3 h, the customer says 2 h
    with sent():
        disputed = customer.post(
            url + "dispute/", {"line": first["id"], "comment": "We agreed 2 h"}, format="json"
        )
    assert disputed.json()["status"] == "disputed"
    assert mailoutbox[-1].to == [manager.email]

    with sent():
        corrected = boss.post(
            url + "correct/",
            {"line": first["id"], "business_hours": "2", "reason": "Agreed on the phone"},
            format="json",
        )
    assert corrected.status_code == 200, corrected.content
    assert corrected.json()["total_amount"] == "20000.00"
    assert mailoutbox[-1].to == [responsible.email]
    with sent():
        reissued = boss.post(url + "issue/").json()
    assert reissued["revision"] == 2
    change = reissued["changes"][0]
    assert (change["old_amount"], change["new_amount"], change["reason"]) == (
        "12000.00",
        "8000.00",
        "Agreed on the phone",
    )

    seen = customer.get(url).json()
    assert seen["changes"] == reissued["changes"]
    approved = customer.post(url + "approve/").json()
    assert (approved["status"], approved["amount_due_with_vat"]) == ("approved", "24000.00")
    revisions = customer.get(url + "revisions/").json()
    assert [(r["number"], r["total_amount"]) for r in revisions] == [
        (1, "24000.00"),
        (2, "20000.00"),
    ]
    assert revisions[0]["lines"][2]["amount"] == "12000.00"  # revision 1 stays readable

    english = customer.get(url + "act/?lang=en", HTTP_ACCEPT="application/pdf")
    assert english.status_code == 200
    assert english["Content-Type"] == "application/pdf"
    text = _text(english.content)
    assert "Act of work completed" in text and "24000.00" in text
    assert "Twenty-four thousand roubles" in text
    russian = _text(customer.get(url + "act/?lang=ru").content)
    assert "Акт выполненных работ" in russian and "Двадцать четыре тысячи рублей" in russian
    assert "7707083893" in russian and "НДС 20%" in russian
    assert "за ноябрь 2024" in russian and "for November 2024" in text  # as each language writes

    sheet = load_workbook(io.BytesIO(customer.get(url + "xlsx/?lang=en").content)).active
    rows = {row[0]: row[6] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert Decimal(str(rows["Total to pay"])) == Decimal("24000.00")
    assert sum(
        Decimal(str(r[6])) for r in sheet.iter_rows(values_only=True) if isinstance(r[0], int)
    ) == Decimal("20000.00")
    for row in sheet.iter_rows(values_only=True):
        if isinstance(row[0], int):  # a service: quantity × price = amount, as accountants check
            assert Decimal(str(row[3])) * Decimal(str(row[5])) == Decimal(str(row[6])), row

    data = customer.get(url + "accounting/").json()
    assert data["totals"]["amount_due_with_vat"] == approved["amount_due_with_vat"]
    assert sum(Decimal(line["amount"]) for line in data["lines"]) == Decimal("20000.00")
    assert data["contractor"]["inn"] == "7707083893"
