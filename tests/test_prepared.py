"""Prepared querysets give exactly what the ORM gives, with any values, or refuse to prepare."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Lower

from secondline.accounts.models import Contract, User
from secondline.prepared import PreparationError, PreparedQuery
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import ContractFactory, UserFactory, file_ticket


def _contracts(customer: int, today: dt.date) -> Any:
    people = User.objects.filter(organization_id=OuterRef("customer_id"), is_active=True)
    return (
        Contract.objects.filter(customer_id=customer, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .annotate(has_people=Exists(people), people=Count("customer__members"))
        .select_related("customer", "sla_plan", "calendar")
        .order_by("-starts_on", "pk")
    )


CONTRACTS = PreparedQuery(_contracts, customer=int, today=dt.date)


def _fields(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize(
    "today",
    [dt.date(2019, 12, 31), dt.date(2020, 1, 1), dt.date(2026, 11, 25), dt.date(2031, 1, 1)],
)
def test_it_gives_what_the_orm_gives_with_related_objects_and_annotations(
    personas: Any, today: dt.date
) -> None:
    ContractFactory(
        customer=personas.customer, number="OLD-1", starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2024, 12, 31),
    )  # fmt: skip
    ContractFactory(customer=personas.customer, number="NEW-1", starts_on=dt.date(2025, 1, 1))
    for customer in (personas.customer.pk, personas.other_customer.pk, 10**9):
        expected = list(_contracts(customer, today))
        got = CONTRACTS.all(customer=customer, today=today)
        assert [_fields(c) for c in got] == [_fields(c) for c in expected]
        assert [(c.has_people, c.people) for c in got] == [  # type: ignore[attr-defined]
            (c.has_people, c.people) for c in expected
        ]
        assert [_fields(c.customer) for c in got] == [_fields(c.customer) for c in expected]
        assert [c.sla_plan.name for c in got] == [c.sla_plan.name for c in expected]
        assert [c.calendar.name for c in got] == [c.calendar.name for c in expected]


def test_instances_are_real_model_instances_that_save(personas: Any) -> None:
    contract = CONTRACTS.first(customer=personas.customer.pk, today=dt.date(2026, 11, 25))
    assert contract is not None and contract._state.adding is False
    contract.prepaid_hours = 12
    contract.save(update_fields=["prepaid_hours"])
    assert Contract.objects.get(pk=contract.pk).prepaid_hours == 12


def test_datetime_parameters_and_values_list_rows(member: Any) -> None:
    ticket = file_ticket(member)
    since = PreparedQuery(
        lambda ticket, since: (
            TicketEvent.objects.filter(ticket_id=ticket, created_at__gte=since)
            .order_by("pk")
            .values_list("created_at", "kind")
        ),
        ticket=int,
        since=dt.datetime,
    )
    before = ticket.created_at - dt.timedelta(seconds=1)
    expected = list(
        TicketEvent.objects.filter(ticket_id=ticket.pk, created_at__gte=before)
        .order_by("pk")
        .values_list("created_at", "kind")
    )
    assert since.all(ticket=ticket.pk, since=before) == expected
    assert all(at.tzinfo is not None for at, _ in expected)
    assert since.all(ticket=ticket.pk, since=ticket.created_at + dt.timedelta(hours=1)) == []


def test_flat_values_and_a_parameter_used_twice(member: Any) -> None:
    ticket = file_ticket(member)
    numbers = PreparedQuery(
        lambda pk: Ticket.objects.filter(Q(pk=pk) | Q(pk=pk + 0)).values_list("pk", flat=True),
        pk=int,
    )
    assert numbers.all(pk=ticket.pk) == [ticket.pk]
    assert numbers.all(pk=ticket.pk + 1) == []


@pytest.mark.parametrize("email", ["Member_1@Example.com", "100%@example.com", "back\\slash@x"])
def test_strings_reach_the_database_exactly(email: str, db: Any) -> None:
    user = UserFactory(email=email)
    UserFactory(email="memberx1@example.com")  # what "_" would match as a LIKE wildcard
    by_email = PreparedQuery(
        lambda key: User.objects.annotate(key=Lower("email")).filter(key=key), key=str
    )
    assert by_email.all(key=email.lower()) == [user]
    assert by_email.all(key="nobody@example.com") == []


def test_a_lookup_that_rewrites_its_value_is_refused(db: Any) -> None:
    escaping = PreparedQuery(lambda text: User.objects.filter(email__contains=text), text=str)
    with pytest.raises(PreparationError):
        escaping.all(text="x")


def test_parameters_are_checked(db: Any) -> None:
    with pytest.raises(TypeError):
        CONTRACTS.all(customer=1)
    with pytest.raises(PreparationError):
        PreparedQuery(lambda flag: User.objects.filter(is_active=flag), flag=bool).all(flag=True)
    with pytest.raises(PreparationError):
        PreparedQuery(lambda pk: User.objects.filter(pk=pk).values("pk"), pk=int).all(pk=1)
