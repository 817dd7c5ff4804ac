"""The act of work completed («Акт выполненных работ») of an approved statement, in English
or Russian: both parties' details, a row per line, VAT, the total in words, signatures."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from num2words import num2words

from secondline.billing import rules
from secondline.billing.corrections import vat_by_rate
from secondline.billing.export import language_or_default, lines_of
from secondline.billing.models import Statement, StatementLine

LineKind = StatementLine.Kind


@dataclass(frozen=True)
class ActRow:
    """One service of the act: what, how much, at what price, for how much."""

    number: int
    day: dt.date
    name: str
    quantity: Decimal
    unit: str
    price: Decimal | None
    amount: Decimal
    vat_rate: Decimal | None = None


def require_approved(statement: Statement) -> None:
    """Contract rule: an act is made of an approved (final) statement only."""
    if not statement.is_final():
        raise ValidationError(
            {"status": [_("An act is made once the customer approved the statement.")]}
        )


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """ "Одна тысяча рублей, пятьдесят копеек": the amount in words, roubles and kopecks (or the
    currency's units when num2words knows them), capitalised as on an act."""
    try:
        words = num2words(amount, lang=language, to="currency", currency=currency)
    except (NotImplementedError, KeyError):
        words = f"{num2words(amount, lang=language)} {currency}"
    return words[:1].upper() + words[1:]


def _hourly_price(line: StatementLine, hours: Decimal) -> Decimal | None:
    """The price of an hour, when the line was billed at one rate: an accountant checks
    quantity × price = amount on every row. A line mixing business and out-of-hours time, or
    corrected to an amount of its own, shows no single price."""
    if line.out_of_hours_minutes and line.business_minutes:
        return None
    rate = line.out_of_hours_rate if line.out_of_hours_minutes else line.hourly_rate
    if hours * rate != line.amount:
        return None
    return rate


def _row(number: int, line: StatementLine) -> ActRow:
    if line.kind == LineKind.WORK:
        minutes = line.business_minutes + line.out_of_hours_minutes
        name = f"{line.ticket_number} {line.ticket_subject}: {line.get_activity_display()}"
        if line.description:
            name += f". {line.description}"
        hours = rules.hours(minutes)
        price = _hourly_price(line, hours)
        return ActRow(
            number, line.work_date, name, hours, _("h"), price, line.amount, line.vat_rate
        )
    quantity = line.quantity if line.quantity is not None else Decimal(1)
    return ActRow(
        number,
        line.work_date,
        line.description,
        quantity,
        _("pcs"),
        line.unit_price,
        line.amount,
        line.vat_rate,
    )


def _month_name(month: int, language: str) -> str:
    """The month after "for" / "за": "November", but "ноябрь", as Russian writes its months."""
    name = str(MONTHS[month])
    return name.lower() if language.startswith("ru") else name


def act_context(statement: Statement) -> dict[str, Any]:
    """Everything the act shows, in the active language."""
    contract = statement.contract
    last_day = statement.period.replace(
        day=calendar.monthrange(statement.period.year, statement.period.month)[1]
    )
    rows = [_row(number, line) for number, line in enumerate(lines_of(statement), start=1)]
    language = translation.get_language() or "en"
    return {
        "statement": statement,
        "contract": contract,
        "contractor": contract.contractor_details,
        "customer": contract.customer_details,
        "customer_name": contract.customer.name,
        "number": f"{contract.number}-{statement.period:%Y%m}",
        "month": _month_name(statement.period.month, language),
        "day": last_day,
        "rows": rows,
        "vat": vat_by_rate(statement),
        "words": amount_in_words(statement.amount_due_with_vat, statement.currency, language),
    }


def act_html(statement: Statement, language: str | None = None) -> str:
    with translation.override(language_or_default(language)):
        return render_to_string("billing/act_pdf.html", act_context(statement))


def act_pdf(statement: Statement, language: str | None = None) -> bytes:
    """The act as a PDF, set in DejaVu fonts so Cyrillic renders."""
    require_approved(statement)
    from weasyprint import HTML

    pdf: bytes = HTML(string=act_html(statement, language)).write_pdf()
    return pdf


def filename(statement: Statement, extension: str) -> str:
    return f"act-{statement.contract.number}-{statement.period:%Y-%m}.{extension}"
