"""A statement as CSV and as PDF, in the reader's language (English or Russian)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from secondline.billing import rules
from secondline.billing.models import Activity, Statement, StatementLine
from secondline.common import spreadsheet

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def language_or_default(language: str | None) -> str:
    code = (language or "en").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def _hours(minutes: int | Decimal) -> Decimal:
    return rules.hours(minutes)


def _amount_row(label: str, amount: Decimal, currency: str = "") -> list[object]:
    """A closing line of the CSV: its label, then the amount in the "Amount" column."""
    return [label, *[""] * 12, amount, currency]


def lines_of(statement: Statement) -> list[StatementLine]:
    return list(statement.lines.order_by("started_at", "pk"))


def statement_csv(statement: Statement, language: str | None = None) -> str:
    """One row per line, then the totals; amounts as plain decimals, hours to two places.

    Starts with a byte-order mark so spreadsheet programs read the Cyrillic text right.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = spreadsheet.writer(buffer)
    with translation.override(language_or_default(language)):
        writer.writerow(
            [
                _("Date"),
                _("Ticket"),
                _("Subject"),
                _("Agent"),
                _("Activity"),
                _("Description"),
                _("Business hours"),
                _("Out-of-hours hours"),
                _("Unverified hours (not billed)"),
                _("Rate"),
                _("Out-of-hours rate"),
                _("Business amount"),
                _("Out-of-hours amount"),
                _("Amount"),
                _("Disputed"),
                _("VAT rate (%)"),
            ]
        )
        for line in lines_of(statement):
            writer.writerow(
                [
                    line.work_date.isoformat(),
                    line.ticket_number,
                    line.ticket_subject,
                    line.agent_name,
                    Activity(line.activity).label if line.activity else line.get_kind_display(),
                    line.description,
                    _hours(line.business_minutes),
                    _hours(line.out_of_hours_minutes),
                    _hours(line.unverified_minutes),
                    line.hourly_rate,
                    line.out_of_hours_rate,
                    line.business_amount,
                    line.out_of_hours_amount,
                    line.amount,
                    line.dispute_comment if line.disputed else "",
                    "" if line.vat_rate is None else line.vat_rate,
                ]
            )
        blank = [""] * 6
        writer.writerow(
            [
                _("Total"),
                *blank[1:],
                _hours(statement.business_minutes),
                _hours(statement.out_of_hours_minutes),
                _hours(statement.unverified_minutes),
                "",
                "",
                statement.business_amount,
                statement.out_of_hours_amount,
                statement.total_amount,
                "",
            ]
        )
        writer.writerow(_amount_row(_("Covered by prepaid hours"), statement.prepaid_amount))
        writer.writerow(_amount_row(_("Amount due"), statement.amount_due, statement.currency))
    return buffer.getvalue()


def statement_html(statement: Statement, language: str | None = None) -> str:
    with translation.override(language_or_default(language)):
        return render_to_string(
            "billing/statement_pdf.html",
            {
                "statement": statement,
                "contract": statement.contract,
                "lines": lines_of(statement),
                "time_zone": statement.contract.calendar.time_zone,
            },
        )


def statement_pdf(statement: Statement, language: str | None = None) -> bytes:
    """The statement as a PDF, set in DejaVu fonts so Cyrillic renders."""
    from weasyprint import HTML

    pdf: bytes = HTML(string=statement_html(statement, language)).write_pdf()
    return pdf


def filename(statement: Statement, extension: str) -> str:
    return f"statement-{statement.contract.number}-{statement.period:%Y-%m}.{extension}"
