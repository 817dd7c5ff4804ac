"""The active contracts filing reads are cached, and forgotten whenever what they say changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from secondline.accounts.access import NotAContact, filing_contract
from secondline.accounts.models import Contract, User
from secondline.tickets.choices import Priority, TicketType
from tests.factories import consultation_draft, file_ticket

pytestmark = pytest.mark.django_db


def test_it_reads_the_contract_once_while_nothing_changes(
    member: User, django_assert_num_queries: Any
) -> None:
    first = filing_contract(member)
    with django_assert_num_queries(0):
        assert filing_contract(member).pk == first.pk


def test_a_terminated_contract_is_refused_at_once(member: User, personas: Any) -> None:
    filing_contract(member)  # cached
    contract = Contract.objects.get(pk=personas.contract.pk)
    contract.status = Contract.Status.TERMINATED
    contract.save()
    with pytest.raises(NotAContact, match="no active support contract"):
        filing_contract(member)


def test_an_ended_contract_is_refused_at_once(member: User, personas: Any) -> None:
    filing_contract(member)
    contract = Contract.objects.get(pk=personas.contract.pk)
    contract.ends_on = dt.date(2020, 12, 31)
    contract.save()
    with pytest.raises(NotAContact):
        filing_contract(member)


def test_a_customer_whose_responsible_person_leaves_is_refused_at_once(
    member: User, responsible: User
) -> None:
    filing_contract(member)
    responsible.role = User.Role.CUSTOMER_MEMBER
    responsible.save()
    with pytest.raises(NotAContact, match="responsible employee"):
        filing_contract(member)


def test_a_new_plan_default_applies_to_the_next_ticket(member: User, personas: Any) -> None:
    draft = consultation_draft(type=TicketType.CHANGE_REQUEST)
    assert file_ticket(member, draft).priority != Priority.LOW  # the contract is cached now
    plan = personas.contract.sla_plan
    plan.change_request_priority = Priority.LOW
    plan.save()
    assert file_ticket(member, consultation_draft(type=TicketType.CHANGE_REQUEST)).priority == (
        Priority.LOW
    )


def test_the_cache_keeps_each_customer_apart(member: User, outsider: User, personas: Any) -> None:
    assert filing_contract(member).customer_id == personas.customer.pk
    assert filing_contract(outsider).customer_id == personas.other_customer.pk


def test_a_new_day_reads_the_contracts_again(member: User, personas: Any) -> None:
    import time_machine

    contract = Contract.objects.get(pk=personas.contract.pk)
    contract.ends_on = dt.date(2030, 6, 30)
    contract.save()
    with time_machine.travel(dt.datetime(2030, 6, 30, 12, tzinfo=dt.UTC)):
        filing_contract(member)
    with (
        time_machine.travel(dt.datetime(2030, 7, 1, 12, tzinfo=dt.UTC)),
        pytest.raises(NotAContact),
    ):
        filing_contract(member)
