"""An approved statement for the accountant: an XLSX workbook and the JSON a 1C processing
pulls from ``/api/statements/{id}/accounting/`` (format in docs/api.md).

Both are built from the act's rows (``acts.act_context``), so the act, the workbook and the
JSON always carry the same lines and totals as the statement.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from secondline.accounts.models import LegalEntity
from secondline.billing import acts
from secondline.billing.export import language_or_default
from secondline.billing.models import Statement
from secondline.common.spreadsheet import cell

FORMAT = "secondline-accounting/1"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _party(entity: LegalEntity | None) -> dict[str, Any] | None:
    if entity is None:
        return None
    return {
        "name": entity.name,
        "inn": entity.inn,
        "kpp": entity.kpp,
        "ogrn": entity.ogrn,
        "address": entity.address,
        "bank": {
            "name": entity.bank_name,
            "bik": entity.bik,
            "account": entity.account,
            "correspondent_account": entity.correspondent_account,
        },
    }


def _totals(statement: Statement) -> dict[str, str | None]:
    return {
        "total": _money(statement.total_amount),
        "prepaid": _money(statement.prepaid_amount),
        "amount_due": _money(statement.amount_due),
        "vat": _money(statement.vat_amount),
        "amount_due_with_vat": _money(statement.amount_due_with_vat),
    }


def accounting_json(statement: Statement, language: str | None = None) -> dict[str, Any]:
    """The act as data: document, contract, both parties, lines and totals; amounts as
    decimal strings with two places (exact, as 1C reads them)."""
    acts.require_approved(statement)
    with translation.override(language_or_default(language)):
        context = acts.act_context(statement)
    contract = statement.contract
    return {
        "format": FORMAT,
        "document": {
            "type": "act",
            "number": context["number"],
            "date": context["day"].isoformat(),
            "period": f"{statement.period:%Y-%m}",
            "revision": statement.revision,
            "approved_at": statement.decided_at.isoformat() if statement.decided_at else None,
        },
        "contract": {"number": contract.number, "date": contract.starts_on.isoformat()},
        "contractor": _party(contract.contractor_details),
        "customer": _party(contract.customer_details),
        "currency": statement.currency,
        "vat_rate": _money(statement.vat_rate),
        "lines": [
            {
                "number": row.number,
                "date": row.day.isoformat(),
                "name": row.name,
                "quantity": _money(row.quantity),
                "unit": row.unit,
                "price": _money(row.price),
                "amount": _money(row.amount),
                "vat_rate": _money(row.vat_rate),
            }
            for row in context["rows"]
        ],
        "totals": _totals(statement),
        "vat_by_rate": [
            {"rate": _money(v.rate), "base": _money(v.base), "vat": _money(v.vat)}
            for v in context["vat"]
        ],
        "total_in_words": context["words"],
    }


def statement_xlsx(statement: Statement, language: str | None = None) -> bytes:
    """One sheet: the act's heading, a row per line, then the totals (amounts as numbers)."""
    acts.require_approved(statement)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    with translation.override(language_or_default(language)):
        context = acts.act_context(statement)
        sheet.title = _("Act")[:31]
        sheet.append([cell(_("Act of work completed")), cell(context["number"])])
        sheet.append([cell(_("Contract")), cell(statement.contract.number)])
        sheet.append([cell(_("Customer")), cell(context["customer_name"])])
        sheet.append([])
        sheet.append(
            [
                _("No."),
                _("Date"),
                _("Service"),
                _("Qty"),
                _("Unit"),
                _("Price"),
                _("Amount"),
                _("VAT rate (%)"),
            ]
        )
        for row in context["rows"]:
            sheet.append(
                [
                    row.number,
                    row.day,
                    cell(row.name),
                    row.quantity,
                    row.unit,
                    row.price,
                    row.amount,
                    row.vat_rate,
                ]
            )
        sheet.append([])
        for label, value in (
            (_("Total"), statement.total_amount),
            (_("Covered by prepaid hours"), statement.prepaid_amount),
            (_("Amount due"), statement.amount_due),
            (_("VAT"), statement.vat_amount),
            (_("Total to pay"), statement.amount_due_with_vat),
        ):
            sheet.append([label, None, None, None, None, None, value])
        for share in context["vat"]:
            label = _("VAT %(rate)s%%") % {"rate": f"{share.rate.normalize():f}"}
            sheet.append([label, None, None, None, None, share.base, share.vat])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
