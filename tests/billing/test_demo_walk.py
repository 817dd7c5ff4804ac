"""The demo walk of docs/billing.md, "Closing a month", through the API: the manager issues
November's statement, the customer disputes a line, the manager corrects it, the customer
approves revision 2; the act, the workbook and the 1C JSON carry the statement's totals, and
the contract's prepaid hours show as used."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from secondline.accounts.models import Contract, User
from secondline.demo.data import load_demo
from tests.billing.conftest import msk


def test_a_new_user_closes_november_on_the_demo(api_as: Any, db: Any) -> None:
    with time_machine.travel(msk(2026, 12, 7, 10), tick=True):
        load_demo()
        manager, responsible = (
            User.objects.get(username="manager"),
            User.objects.get(username="responsible"),
        )
        contract = Contract.objects.get(number="VL-2026-01")
        boss, customer = api_as(manager), api_as(responsible)
        made = boss.post(
            "/api/statements/", {"contract": contract.pk, "period": "2026-11-01"}, format="json"
        ).json()
        url = f"/api/statements/{made['id']}/"
        assert made["total_amount"] == "27000.00"  # 6 h at 4500
        assert made["prepaid_amount"] == "27000.00"  # drawn from the 40 prepaid hours
        issued = boss.post(url + "issue/").json()
        longest = max(issued["lines"], key=lambda line: Decimal(line["amount"]))
        customer.post(url + "dispute/", {"line": longest["id"], "comment": "2 h, not 3"})
        fixed = boss.post(
            url + "correct/",
            {"line": longest["id"], "business_hours": "2", "reason": "Agreed: 2 h"},
            format="json",
        )
        assert fixed.status_code == 200, fixed.content
        assert boss.post(url + "issue/").json()["revision"] == 2
        approved = customer.post(url + "approve/").json()
        assert (approved["status"], approved["revision"]) == ("approved", 2)
        assert approved["total_amount"] == "22500.00"

        act = customer.get(url + "act/?lang=en").content
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(act)).pages)
        assert approved["total_amount"] in text and approved["amount_due_with_vat"] in text
        sheet = load_workbook(io.BytesIO(customer.get(url + "xlsx/?lang=en").content)).active
        cells = {row[0]: row[6] for row in sheet.iter_rows(values_only=True) if row and row[0]}
        assert Decimal(str(cells["Total"])) == Decimal(approved["total_amount"])
        assert Decimal(str(cells["Total to pay"])) == Decimal(approved["amount_due_with_vat"])
        accounting = customer.get(url + "accounting/").json()
        assert accounting["totals"]["total"] == approved["total_amount"]

        shown = customer.get(f"/api/contracts/{contract.pk}/").json()
        assert shown["prepaid_hours"] == "40.00"
        assert Decimal(shown["prepaid_used_hours"]) >= Decimal("6.00")
