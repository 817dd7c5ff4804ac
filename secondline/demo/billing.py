"""The billing demo: both parties' details, VAT and a price list on Volga's contract, and last
month's work on one ticket, so a new user can close that month (docs/billing.md, "Closing a
month"): the manager issues the statement, the customer disputes a line, the manager
corrects it, the customer approves revision 2, the act and the workbook carry the totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from secondline.accounts.models import Contract, LegalEntity, User
from secondline.billing import worklogs
from secondline.billing.models import PriceListItem
from secondline.tickets import services
from secondline.tickets.choices import Channel, TicketType
from secondline.tickets.models import Ticket

CONTRACTOR = {
    "name": "ООО «Второй уровень»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "address": "117312, Москва, ул. Вавилова, д. 19",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "account": "40702810938000000001",
    "correspondent_account": "30101810400000000225",
    "signatory": "Генеральный директор М. Морозова",
}
VOLGA = {
    "name": "АО «Волга Логистика»",
    "inn": "500100732259",
    "ogrn": "304500116000157",
    "address": "443001, Самара, ул. Ленина, д. 1",
    "signatory": "Директор Р. Волков",
}
# (day of last month, hours) on working days between the 13th and the 20th, clear of holidays
LAST_MONTH_WORK = [(0, 2), (1, 1), (2, 3)]


def load_billing_demo(people: dict[str, User]) -> None:
    contract = Contract.objects.get(number="VL-2026-01")
    contract.contractor_details = LegalEntity.objects.create(**CONTRACTOR)
    contract.customer_details = LegalEntity.objects.create(**VOLGA)
    contract.vat_rate = Decimal("20")
    contract.save()
    PriceListItem.objects.create(
        contract=contract, name="Update installation, flat", price=Decimal("15000.00")
    )
    _last_month(contract, people)


def _working_days(first: dt.date) -> list[dt.date]:
    days = [first.replace(day=day) for day in range(13, 21)]
    return [day for day in days if day.weekday() < 5]


def _last_month(contract: Contract, people: dict[str, User]) -> None:
    """A ticket filed on the 1st of last month and three days of work on it."""
    first = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    filed = timezone.make_aware(dt.datetime.combine(first, dt.time(9)))
    ticket = services.file_ticket(
        people["responsible"],
        services.NewTicket(
            type=TicketType.CONSULTATION,
            subject="Month-end closing: stock revaluation takes hours",
            requested_priority="normal",
            description="The stock revaluation at month end runs for hours. Please advise.",
            affected_module="Warehouse",
            environment="production",
        ),
        Channel.WEB,
    )
    Ticket.objects.filter(pk=ticket.pk).update(created_at=filed)
    ticket.refresh_from_db()
    days = _working_days(first)
    for index, hours in LAST_MONTH_WORK:
        start = timezone.make_aware(dt.datetime.combine(days[index], dt.time(10)))
        worklogs.log_work(
            ticket,
            people["agent"],
            worklogs.WorkEntry(
                activity="consultation",
                started_at=start,
                ended_at=start + dt.timedelta(hours=hours),
                description=f"Profiled the revaluation, day {index + 1}.",
            ),
        )
