"""Prepaid hour packages: the balance and the one warning at 80 %."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine

from secondline.billing import prepaid
from secondline.billing.models import PrepaidPackage
from tests.billing.conftest import msk


def test_prepaid_warning_goes_out_once_at_80_percent(
    personas: Any, ticket: Any, log: Any, manager: Any, responsible: Any, sent: Any, mailoutbox: Any
) -> None:
    PrepaidPackage.objects.create(
        contract=personas.contract,
        hours=Decimal("10"),
        purchased_on=dt.date(2024, 10, 1),
        valid_from=dt.date(2024, 10, 1),
        valid_until=dt.date(2024, 12, 31),
    )
    with sent():
        log(ticket, msk(2024, 11, 5, 10), msk(2024, 11, 5, 17, 45))  # 7.75 h: 77.5 %
    assert not [m for m in mailoutbox if "prepaid" in m.subject]
    with sent():
        log(ticket, msk(2024, 11, 6, 10), msk(2024, 11, 6, 10, 15))  # 8 h: 80 %
        log(ticket, msk(2024, 11, 7, 10), msk(2024, 11, 7, 11))  # 9 h
    warnings = [m for m in mailoutbox if "prepaid" in m.subject]
    assert sorted(m.to[0] for m in warnings) == sorted([manager.email, responsible.email])
    assert "80%" in warnings[0].body
    balance = prepaid.prepaid_balance(personas.contract)[0]
    assert balance.used_hours == Decimal("9.00")
    assert balance.left_hours == Decimal("1.00")


def test_the_customer_sees_the_contracts_prepaid_hours_used_and_left(
    personas: Any, agent: Any, member: Any, api_as: Any
) -> None:
    from secondline.billing import worklogs
    from tests.factories import consultation_draft, file_ticket

    PrepaidPackage.objects.create(
        contract=personas.contract,
        hours=Decimal("40"),
        purchased_on=dt.date(2024, 10, 1),
        valid_from=dt.date(2024, 10, 1),
        valid_until=dt.date(2025, 9, 30),
    )
    with time_machine.travel(msk(2024, 11, 4, 9), tick=False):
        ticket = file_ticket(member, consultation_draft())
    with time_machine.travel(msk(2024, 11, 6, 9), tick=False):
        worklogs.log_work(
            ticket,
            agent,
            worklogs.WorkEntry(
                activity="fix", started_at=msk(2024, 11, 5, 10), ended_at=msk(2024, 11, 5, 13)
            ),
        )
        contract = api_as(member).get(f"/api/contracts/{personas.contract.pk}/").json()
    assert (contract["prepaid_hours"], contract["prepaid_used_hours"]) == ("40.00", "3.00")
    assert contract["prepaid_left_hours"] == "37.00"
