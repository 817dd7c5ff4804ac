"""A month to close: contract VL-1 with both parties' details, VAT 20 % and a price list, and
November's work on one ticket filed on 1 November (shared by the closing tests)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine

from secondline.accounts.models import LegalEntity
from secondline.billing import worklogs
from secondline.billing.models import PriceListItem
from tests.billing.conftest import msk
from tests.factories import consultation_draft, file_ticket

CONTRACTOR = {
    "name": "ООО «Второй уровень»",
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "address": "Москва, ул. Вавилова, 19",
    "bank_name": "ПАО Сбербанк",
    "bik": "044525225",
    "account": "40702810938000000001",
    "correspondent_account": "30101810400000000225",
    "signatory": "Генеральный директор И. И. Иванов",
}
CUSTOMER = {
    "name": "АО «Волга Логистика»",
    "inn": "500100732259",
    "kpp": "",
    "ogrn": "304500116000157",
    "address": "Самара, ул. Ленина, 1",
}


def close_month_setup(personas: Any, *, vat: str | None = "20") -> Any:
    """Details, VAT and a price list on the contract; three November logs on one ticket."""
    contract = personas.contract
    contract.contractor_details = LegalEntity.objects.create(**CONTRACTOR)
    contract.customer_details = LegalEntity.objects.create(**CUSTOMER)
    contract.vat_rate = None if vat is None else Decimal(vat)
    contract.save()
    PriceListItem.objects.create(
        contract=contract, name="Update installation, flat", price=Decimal("10000")
    )
    with time_machine.travel(msk(2024, 11, 1, 9), tick=False):
        ticket = file_ticket(personas.member, consultation_draft(subject="Posting fails"))
    with time_machine.travel(msk(2024, 11, 30, 20), tick=False):
        for day, hours in ((5, 2), (6, 1), (7, 3)):
            worklogs.log_work(
                ticket,
                personas.agent,
                worklogs.WorkEntry(
                    activity="fix",
                    started_at=msk(2024, 11, day, 10),
                    ended_at=msk(2024, 11, day, 10 + hours),
                    description=f"Day {day}",
                ),
            )
    return ticket


NOVEMBER = dt.date(2024, 11, 1)
