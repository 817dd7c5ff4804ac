"""factory_boy factories for the domain, and the fixed personas of the suite."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from secondline.accounts.models import Contract, Organization, User
from secondline.sla.models import SLAPlan, WorkingCalendar
from secondline.tickets import services
from secondline.tickets.choices import Channel, Priority, TicketType
from secondline.tickets.models import Ticket


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Customer {n}")
    kind = Organization.Kind.CUSTOMER


class ContractorFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Contractor {n}")
    kind = Organization.Kind.CONTRACTOR


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    organization = factory.SubFactory(OrganizationFactory)
    role = User.Role.CUSTOMER_MEMBER
    language = "en"
    password = factory.django.Password("pw")


def default_calendar() -> WorkingCalendar:
    return WorkingCalendar.objects.get(name="Russia, Moscow 10:00-19:00")


def default_plan() -> SLAPlan:
    return SLAPlan.objects.get(name="Standard")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    customer = factory.SubFactory(OrganizationFactory)
    number = factory.Sequence(lambda n: f"C-{n:04d}")
    starts_on = dt.date(2019, 1, 1)
    ends_on = None
    status = Contract.Status.ACTIVE
    calendar = factory.LazyFunction(default_calendar)
    sla_plan = factory.LazyFunction(default_plan)
    hourly_rate = Decimal("4000.00")
    currency = "RUB"


def incident_draft(**overrides: Any) -> services.NewTicket:
    values: dict[str, Any] = {
        "type": TicketType.INCIDENT,
        "subject": "Shipments cannot be posted",
        "description": "Posting a shipment fails with error 500.",
        "requested_priority": Priority.HIGH,
        "occurred_at": timezone.now(),
        "impact": "The whole warehouse is blocked.",
        "steps_to_reproduce": "Open a shipment, press Post.",
    }
    values.update(overrides)
    return services.NewTicket(**values)


def consultation_draft(**overrides: Any) -> services.NewTicket:
    values: dict[str, Any] = {
        "type": TicketType.CONSULTATION,
        "subject": "How to set up a price list",
        "description": "Where do we configure a second price list?",
    }
    values.update(overrides)
    return services.NewTicket(**values)


def file_ticket(
    requester: User, draft: services.NewTicket | None = None, channel: str = Channel.WEB
) -> Ticket:
    return services.file_ticket(requester, draft or incident_draft(), channel)


#: When ``filed_long_ago`` files a ticket: before every fixed date the billing tests log work on.
LONG_AGO = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def filed_long_ago(ticket: Ticket, at: dt.datetime = LONG_AGO) -> Ticket:
    """The ticket as if filed at ``at``: work is logged only within a ticket's life, and the
    billing tests log work on fixed past dates."""
    Ticket.objects.filter(pk=ticket.pk).update(created_at=at)
    ticket.refresh_from_db()
    return ticket


@dataclass
class Personas:
    contractor: Organization
    customer: Organization
    other_customer: Organization
    contract: Contract
    other_contract: Contract
    agent: User
    manager: User
    responsible: User
    member: User
    outsider: User
    outsider_responsible: User

    @classmethod
    def create(cls) -> Personas:
        contractor = ContractorFactory(name="SecondLine Support")
        customer = OrganizationFactory(name="Volga Logistics")
        other = OrganizationFactory(name="Neva Retail")
        return cls(
            contractor=contractor,
            customer=customer,
            other_customer=other,
            contract=ContractFactory(customer=customer, number="VL-1"),
            other_contract=ContractFactory(customer=other, number="NR-1"),
            agent=UserFactory(username="agent", organization=contractor, role=User.Role.AGENT),
            manager=UserFactory(
                username="manager", organization=contractor, role=User.Role.MANAGER
            ),
            responsible=UserFactory(
                username="responsible", organization=customer, role=User.Role.CUSTOMER_RESPONSIBLE
            ),
            member=UserFactory(
                username="member", organization=customer, role=User.Role.CUSTOMER_MEMBER
            ),
            outsider=UserFactory(
                username="outsider", organization=other, role=User.Role.CUSTOMER_MEMBER
            ),
            outsider_responsible=UserFactory(
                username="outsider-responsible",
                organization=other,
                role=User.Role.CUSTOMER_RESPONSIBLE,
            ),
        )
