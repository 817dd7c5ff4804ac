"""Updates installed in agreed windows: proposal, agreement, installation, confirmation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import Contract, User
from secondline.billing.models import WorkLog
from secondline.releases import catalogue, installing, plans, windows
from secondline.releases.access import NotEntitled
from secondline.releases.models import (
    Installation,
    InstallationWindow,
    ProductVersion,
    UpdatePlan,
)
from secondline.sla.calendars import business_calendar
from secondline.tickets import services as tickets
from secondline.tickets.choices import Channel, Status, TicketType
from tests.releases.conftest import next_weekday_evening, window_kwargs

pytestmark = pytest.mark.django_db

WindowStatus = InstallationWindow.Status


def test_it_files_the_update_ticket_on_the_customers_behalf(
    plan: UpdatePlan, responsible: User, versions: dict[str, ProductVersion]
) -> None:
    ticket = plan.ticket
    assert ticket.type == TicketType.UPDATE_INSTALLATION
    assert ticket.requester == responsible
    assert ticket.channel == Channel.SYSTEM
    assert ticket.target_version == "4.2.1"
    assert "Production runs SecondLine ERP 4.1.0" in ticket.description
    assert "What is new in 4.2.1." in ticket.description
    assert plan.proposed_by_contractor
    assert plan.state == UpdatePlan.State.AWAITING_WINDOW


def test_it_lists_installations_behind_a_version(
    installation: Installation, versions: dict[str, ProductVersion], personas: Any
) -> None:
    current = Installation.objects.create(
        contract=personas.other_contract,
        name="Production",
        product="SecondLine ERP",
        current_version=versions["4.2.1"],
    )
    behind = catalogue.installations_behind(versions["4.2.1"])
    assert list(behind) == [installation]
    assert current not in catalogue.installations_behind(versions["4.2.0"])


def test_it_refuses_to_propose_what_the_installation_already_runs(
    installation: Installation, versions: dict[str, ProductVersion], manager: User
) -> None:
    with pytest.raises(ValidationError) as error:
        plans.propose_update(installation, versions["4.1.0"], manager)
    assert "already runs" in str(error.value)


def test_it_refuses_an_expired_contract_with_the_reason(
    installation: Installation, versions: dict[str, ProductVersion], manager: User, personas: Any
) -> None:
    Contract.objects.filter(pk=personas.contract.pk).update(ends_on=dt.date(2024, 12, 31))
    installation.refresh_from_db()
    with pytest.raises(NotEntitled) as error:
        plans.propose_update(installation, versions["4.2.1"], manager)
    assert "ended on 2024-12-31" in str(error.value)
    assert "active support contract" in str(error.value)
    assert not UpdatePlan.objects.exists()


def test_it_refuses_a_window_after_the_contract_ends(
    plan: UpdatePlan, engineer: User, manager: User
) -> None:
    start = next_weekday_evening(days=10)
    Contract.objects.filter(pk=plan.installation.contract_id).update(
        ends_on=start.date() - dt.timedelta(days=1)
    )
    plan.installation.contract.refresh_from_db()
    with pytest.raises(NotEntitled):
        windows.propose_window(plan, manager, **window_kwargs(engineer, start))


def test_a_proposal_is_declined_and_proposed_again(
    plan: UpdatePlan, engineer: User, manager: User, responsible: User, sent: Any
) -> None:
    first_start = next_weekday_evening(days=3)
    mail.outbox.clear()
    with sent():
        first = windows.propose_window(plan, manager, **window_kwargs(engineer, first_start))
    plan.refresh_from_db()
    plan.ticket.refresh_from_db()
    assert plan.state == UpdatePlan.State.WINDOW_PROPOSED
    assert plan.ticket.status == Status.WAITING_FOR_CUSTOMER
    proposal = [m for m in mail.outbox if "window proposed" in m.subject]
    assert [m.to for m in proposal] == [[responsible.email]]
    assert proposal[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert "/releases/plans/" in proposal[0].body

    with pytest.raises(ValidationError) as refused:
        windows.ask_another_window(first, responsible, "   ")
    assert set(refused.value.message_dict) == {"comment"}
    mail.outbox.clear()
    with sent():
        windows.ask_another_window(first, responsible, "Evenings do not suit; a Saturday morning?")
    first.refresh_from_db()
    plan.refresh_from_db()
    assert first.status == WindowStatus.DECLINED
    assert first.customer_comment.startswith("Evenings")
    assert plan.state == UpdatePlan.State.AWAITING_WINDOW
    assert any("another installation window" in m.subject for m in mail.outbox)

    second_start = next_weekday_evening(days=5, hour=10)
    with sent():
        second = windows.propose_window(plan, manager, **window_kwargs(engineer, second_start))
        windows.accept_window(second, responsible)
    second.refresh_from_db()
    plan.refresh_from_db()
    assert second.status == WindowStatus.ACCEPTED
    assert plan.state == UpdatePlan.State.WINDOW_AGREED
    assert plan.agreed_window() == second
    plan.ticket.refresh_from_db()
    assert plan.ticket.status == Status.IN_PROGRESS
    # The declined window can no longer be accepted.
    with pytest.raises(ValidationError) as refused:
        windows.accept_window(first, responsible)
    assert "no longer on offer" in refused.value.message_dict["window"][0]


def test_a_new_proposal_supersedes_the_open_one(
    plan: UpdatePlan, engineer: User, manager: User, responsible: User
) -> None:
    first = windows.propose_window(plan, manager, **window_kwargs(engineer, next_weekday_evening()))
    second = windows.propose_window(
        plan, manager, **window_kwargs(engineer, next_weekday_evening(days=4))
    )
    first.refresh_from_db()
    assert first.status == WindowStatus.SUPERSEDED
    assert plan.proposed_window() == second
    with pytest.raises(ValidationError) as refused:
        windows.accept_window(first, responsible)
    assert "no longer on offer" in refused.value.message_dict["window"][0]


@pytest.mark.parametrize("who", ["member", "outsider", "agent"])
def test_only_the_customers_responsible_accepts_a_window(
    plan: UpdatePlan, engineer: User, manager: User, personas: Any, who: str
) -> None:
    window = windows.propose_window(
        plan, manager, **window_kwargs(engineer, next_weekday_evening())
    )
    with pytest.raises(AccessDenied):
        windows.accept_window(window, getattr(personas, who))


def test_customers_cannot_propose_windows(
    plan: UpdatePlan, engineer: User, responsible: User
) -> None:
    with pytest.raises(AccessDenied):
        windows.propose_window(plan, responsible, **window_kwargs(engineer, next_weekday_evening()))


@pytest.mark.parametrize(
    ("start_shift", "hours", "field"),
    [
        (dt.timedelta(days=-10), 2, "starts_at"),  # in the past
        (dt.timedelta(0), 0, "ends_at"),  # ends when it starts
    ],
)
def test_it_refuses_impossible_windows(
    plan: UpdatePlan,
    engineer: User,
    manager: User,
    start_shift: dt.timedelta,
    hours: int,
    field: str,
) -> None:
    start = next_weekday_evening() + start_shift
    with pytest.raises(ValidationError) as error:
        windows.propose_window(plan, manager, **window_kwargs(engineer, start, hours))
    assert field in error.value.message_dict


def test_it_refuses_an_estimate_that_does_not_fit(
    plan: UpdatePlan, engineer: User, manager: User
) -> None:
    kwargs = {**window_kwargs(engineer, next_weekday_evening()), "estimate_hours": Decimal("3")}
    with pytest.raises(ValidationError) as error:
        windows.propose_window(plan, manager, **kwargs)
    assert "estimate_hours" in error.value.message_dict


def _second_plan(personas: Any, versions: dict[str, ProductVersion], manager: User) -> UpdatePlan:
    other = Installation.objects.create(
        contract=personas.other_contract,
        name="Production",
        product="SecondLine ERP",
        current_version=versions["4.1.0"],
    )
    return plans.propose_update(other, versions["4.2.1"], manager)


def test_two_accepted_windows_never_overlap_for_one_engineer(
    plan: UpdatePlan,
    engineer: User,
    manager: User,
    responsible: User,
    personas: Any,
    versions: dict[str, ProductVersion],
) -> None:
    start = next_weekday_evening()
    other_plan = _second_plan(personas, versions, manager)
    # Both proposed before either is accepted: only the first acceptance can win.
    mine = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
    theirs = windows.propose_window(
        other_plan, manager, **window_kwargs(engineer, start + dt.timedelta(hours=1))
    )
    windows.accept_window(mine, responsible)
    with pytest.raises(ValidationError) as error:
        windows.accept_window(theirs, personas.outsider_responsible)
    assert "already has an agreed window" in str(error.value)
    # A new proposal over the agreed window is refused at once.
    with pytest.raises(ValidationError) as refused:
        windows.propose_window(
            other_plan, manager, **window_kwargs(engineer, start + dt.timedelta(minutes=30))
        )
    assert "already has an agreed window" in refused.value.message_dict["starts_at"][0]
    # Back to back is fine.
    windows.propose_window(
        other_plan, manager, **window_kwargs(engineer, start + dt.timedelta(hours=2))
    )


def test_the_database_refuses_overlapping_accepted_windows(
    plan: UpdatePlan,
    engineer: User,
    manager: User,
    responsible: User,
    personas: Any,
    versions: dict[str, ProductVersion],
) -> None:
    start = next_weekday_evening()
    other_plan = _second_plan(personas, versions, manager)
    mine = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
    windows.accept_window(mine, responsible)
    theirs = windows.propose_window(
        other_plan, manager, **window_kwargs(engineer, start + dt.timedelta(hours=3))
    )
    # Bypass the service, as a race between two workers would.
    with pytest.raises(IntegrityError), transaction.atomic():
        InstallationWindow.objects.filter(pk=theirs.pk).update(
            status=WindowStatus.ACCEPTED, starts_at=start + dt.timedelta(hours=1)
        )


def _agree(plan: UpdatePlan, manager: User, engineer: User, responsible: User, start: dt.datetime):
    window = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
    return windows.accept_window(window, responsible)


def test_the_installation_is_logged_recorded_and_confirmed(
    plan: UpdatePlan,
    engineer: User,
    manager: User,
    responsible: User,
    versions: dict[str, ProductVersion],
    sent: Any,
) -> None:
    start = next_weekday_evening(days=2, hour=11)
    window = _agree(plan, manager, engineer, responsible, start)
    mail.outbox.clear()
    with time_machine.travel(window.ends_at + dt.timedelta(minutes=5)), sent():
        installing.record_installation_done(
            plan,
            engineer,
            start,
            start + dt.timedelta(hours=1, minutes=30),
            versions["4.2.1"],
        )
    plan.refresh_from_db()
    installation = plan.installation
    installation.refresh_from_db()
    assert plan.state == UpdatePlan.State.INSTALLED
    assert installation.current_version == versions["4.2.1"]
    change = installation.changes.get()
    assert (change.from_version, change.to_version) == (versions["4.1.0"], versions["4.2.1"])
    assert change.ticket == plan.ticket
    work = WorkLog.objects.get(ticket=plan.ticket)
    assert work.activity == "update_installation" and work.billable and work.agent == engineer
    assert (work.started_at, work.ended_at) == (start, start + dt.timedelta(hours=1, minutes=30))
    assert any("please confirm" in m.subject for m in mail.outbox)
    plan.ticket.refresh_from_db()
    assert plan.ticket.status == Status.WAITING_FOR_CUSTOMER

    with pytest.raises(AccessDenied):
        installing.confirm_installation(plan, engineer)
    installing.confirm_installation(plan, responsible)
    plan.refresh_from_db()
    plan.ticket.refresh_from_db()
    assert plan.state == UpdatePlan.State.CONFIRMED
    assert plan.ticket.status == Status.RESOLVED
    assert plan.ticket.events.filter(
        field="status", new_value=Status.RESOLVED, actor=responsible
    ).exists()


def test_an_installation_in_business_hours_is_billed_as_support_hours(
    plan: UpdatePlan,
    engineer: User,
    manager: User,
    responsible: User,
    versions: dict[str, ProductVersion],
) -> None:
    """Installed by the contractor under the contract, billed as support hours (usually 1-3 h)."""
    calendar = business_calendar(plan.ticket.contract.calendar)
    day = timezone.localdate() + dt.timedelta(days=2)
    while not calendar.day_info(day).is_working:
        day += dt.timedelta(days=1)
    start = next_weekday_evening(days=(day - timezone.localdate()).days, hour=11)
    _agree(plan, manager, engineer, responsible, start)
    with time_machine.travel(start + dt.timedelta(hours=3)):
        installing.record_installation_done(
            plan, engineer, start, start + dt.timedelta(hours=2), versions["4.2.1"]
        )
    work = WorkLog.objects.get(ticket=plan.ticket)
    assert work.activity == "update_installation" and work.billable
    assert work.business_seconds == 2 * 3600


def test_an_installation_needs_an_agreed_window(
    plan: UpdatePlan, engineer: User, versions: dict[str, ProductVersion]
) -> None:
    start = next_weekday_evening(days=-2)
    with pytest.raises(ValidationError) as error:
        installing.record_installation_done(
            plan, engineer, start, start + dt.timedelta(hours=1), versions["4.2.1"]
        )
    assert "agreed window" in str(error.value)


def test_the_customer_can_ask_for_an_update_and_the_contractor_plans_it(
    member: User,
    installation: Installation,
    versions: dict[str, ProductVersion],
    agent: User,
    engineer: User,
) -> None:
    ticket = tickets.file_ticket(
        member,
        tickets.NewTicket(
            type=TicketType.UPDATE_INSTALLATION,
            subject="Please install 4.2.0",
            description="We need the new reports.",
            target_version="4.2.0",
            preferred_windows="Any weekday after 19:00",
        ),
    )
    plan = plans.plan_update(ticket, agent, installation, versions["4.2.0"])
    window = windows.propose_window(plan, agent, **window_kwargs(engineer, next_weekday_evening()))
    assert window.status == WindowStatus.PROPOSED
    assert plan.ticket.events.filter(field="update_plan").exists()


def test_a_plan_needs_an_update_ticket(
    member: User, installation: Installation, versions: dict[str, ProductVersion], agent: User
) -> None:
    from tests.factories import file_ticket

    incident = file_ticket(member)
    with pytest.raises(ValidationError) as refused:
        plans.plan_update(incident, agent, installation, versions["4.2.0"])
    assert "Only an Update installation ticket" in refused.value.message_dict["ticket"][0]


def test_the_update_ticket_is_written_in_the_responsible_persons_language(
    installation: Installation,
    versions: dict[str, ProductVersion],
    manager: User,
    responsible: User,
    sent: Any,
) -> None:
    responsible.language = "ru"
    responsible.save()
    with translation.override("en"), sent():  # the manager works in English
        ticket = plans.propose_update(installation, versions["4.2.1"], manager).ticket
    assert "We propose" not in ticket.description
    assert "Production" in ticket.description  # the installation's own name
    assert "No preference given yet" not in ticket.preferred_windows
    assert ticket.subject.startswith("Обнов")
