"""Only valid installation time is billed (issue 14, Build 1): one customer's agreed windows
never overlap, whoever holds them; an installation is recorded inside its agreed window or,
like a downgrade, only with a reason that goes on the ticket and the statement.

Each refusal is tried through the service, the API (a 400 naming the field) and the page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from secondline.accounts.models import User
from secondline.billing import statements
from secondline.billing.models import WorkLog
from secondline.releases import events, installing, plans, windows
from secondline.releases.models import Installation, InstallationWindow, ProductVersion, UpdatePlan
from tests.releases.conftest import next_weekday_evening, window_kwargs

WindowStatus = InstallationWindow.Status


@pytest.fixture
def test_plan(personas: Any, versions: dict[str, ProductVersion], manager: User) -> UpdatePlan:
    """A second plan of the same customer, on its test system."""
    test_system = Installation.objects.create(
        contract=personas.contract,
        name="Test",
        product="SecondLine ERP",
        current_version=versions["4.1.0"],
    )
    return plans.propose_update(test_system, versions["4.2.1"], manager)


def _agree(plan: UpdatePlan, manager: User, engineer: User, who: User, start: dt.datetime) -> Any:
    window = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
    return windows.accept_window(window, who)


# -- one customer's windows never overlap ----------------------------------------------------


def test_one_customers_windows_never_overlap_whoever_holds_them(
    plan: UpdatePlan,
    test_plan: UpdatePlan,
    engineer: User,
    agent: User,
    manager: User,
    responsible: User,
) -> None:
    start = next_weekday_evening()
    mine = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
    theirs = windows.propose_window(
        test_plan, manager, **window_kwargs(agent, start + dt.timedelta(hours=1))
    )
    windows.accept_window(mine, responsible)
    with pytest.raises(ValidationError) as refused:
        windows.accept_window(theirs, responsible)
    assert "one customer's windows never overlap" in refused.value.message_dict["starts_at"][0]
    theirs.refresh_from_db()
    assert theirs.status == WindowStatus.PROPOSED
    with pytest.raises(ValidationError) as refused:
        windows.propose_window(
            test_plan, manager, **window_kwargs(agent, start + dt.timedelta(minutes=30))
        )
    assert "starts_at" in refused.value.message_dict
    # Back to back is fine, and another customer's window at the same time too.
    after = windows.propose_window(
        test_plan, manager, **window_kwargs(agent, start + dt.timedelta(hours=2))
    )
    windows.accept_window(after, responsible)


def test_the_database_refuses_overlapping_windows_of_one_customer(
    plan: UpdatePlan,
    test_plan: UpdatePlan,
    engineer: User,
    agent: User,
    manager: User,
    responsible: User,
) -> None:
    start = next_weekday_evening()
    _agree(plan, manager, engineer, responsible, start)
    theirs = windows.propose_window(
        test_plan, manager, **window_kwargs(agent, start + dt.timedelta(hours=3))
    )
    assert theirs.customer_id == plan.ticket.organization_id
    # Bypass the service, as a race between two workers would.
    with pytest.raises(IntegrityError), transaction.atomic():
        InstallationWindow.objects.filter(pk=theirs.pk).update(
            status=WindowStatus.ACCEPTED, starts_at=start + dt.timedelta(hours=1)
        )


def test_the_api_names_the_field_of_an_overlapping_window(
    api_as: Any,
    plan: UpdatePlan,
    test_plan: UpdatePlan,
    engineer: User,
    agent: User,
    manager: User,
    responsible: User,
) -> None:
    start = next_weekday_evening()
    _agree(plan, manager, engineer, responsible, start)
    answer = api_as(manager).post(
        f"/api/releases/plans/{test_plan.pk}/windows/",
        {
            "starts_at": (start + dt.timedelta(hours=1)).isoformat(),
            "ends_at": (start + dt.timedelta(hours=3)).isoformat(),
            "engineer": agent.pk,
            "estimate_hours": "1.5",
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "never overlap" in answer.json()["starts_at"][0]


# -- the installation inside its agreed window --------------------------------------------------


@pytest.fixture
def agreed(plan: UpdatePlan, engineer: User, manager: User, responsible: User) -> Any:
    return _agree(plan, manager, engineer, responsible, next_weekday_evening(hour=11))


def _record(plan: UpdatePlan, engineer: User, start: dt.datetime, minutes: int, **kw: Any) -> Any:
    version = kw.pop("version", plan.target_version)
    with time_machine.travel(start + dt.timedelta(hours=6)):
        return installing.record_installation_done(
            plan, engineer, start, start + dt.timedelta(minutes=minutes), version, **kw
        )


@pytest.mark.parametrize(
    ("offset", "minutes", "field"),
    [
        (-30, 60, "started_at"),  # started before the window
        (60, 120, "finished_at"),  # ran over the window's end
        (-24 * 60, 60, "started_at"),  # the day before, before the customer expected it
    ],
)
def test_an_installation_outside_its_window_needs_a_reason(
    plan: UpdatePlan, agreed: Any, engineer: User, offset: int, minutes: int, field: str
) -> None:
    start = agreed.starts_at + dt.timedelta(minutes=offset)
    with pytest.raises(ValidationError) as refused:
        _record(plan, engineer, start, minutes)
    assert "Outside the agreed window" in refused.value.message_dict[field][0]
    plan.refresh_from_db()
    assert plan.state == UpdatePlan.State.WINDOW_AGREED
    assert not WorkLog.objects.exists()


def test_an_installation_inside_its_window_needs_no_reason(
    plan: UpdatePlan, agreed: Any, engineer: User
) -> None:
    _record(plan, engineer, agreed.starts_at, 120, override_reason="not needed")
    plan.refresh_from_db()
    assert plan.state == UpdatePlan.State.INSTALLED
    assert plan.override_reason == ""
    assert not plan.ticket.events.filter(field=events.INSTALLATION_OVERRIDE).exists()


def test_an_override_is_on_the_ticket_and_on_the_statement(
    plan: UpdatePlan, agreed: Any, engineer: User, manager: User
) -> None:
    start = agreed.starts_at - dt.timedelta(hours=1)
    reason = "The customer's DBA asked us to start an hour early"
    _record(plan, engineer, start, 90, override_reason=reason)
    plan.refresh_from_db()
    assert plan.state == UpdatePlan.State.INSTALLED
    assert plan.override_reason == reason
    event = plan.ticket.events.get(field=events.INSTALLATION_OVERRIDE)
    assert event.reason == reason and event.actor == engineer and event.is_public
    assert "Outside the agreed window" in event.old_value
    log = WorkLog.objects.get(ticket=plan.ticket)
    assert reason in log.description
    with time_machine.travel(start + dt.timedelta(hours=6)):
        statement = statements.generate_statement(plan.ticket.contract, start.date(), manager)
    assert reason in statement.lines.get().description


def test_a_downgrade_needs_a_reason(
    plan: UpdatePlan, agreed: Any, engineer: User, versions: dict[str, ProductVersion]
) -> None:
    plan.installation.current_version = versions["4.2.0"]
    plan.installation.save()
    with pytest.raises(ValidationError) as refused:
        _record(plan, engineer, agreed.starts_at, 60, version=versions["4.1.0"])
    assert "downgrade" in refused.value.message_dict["installed_version"][0]
    _record(
        plan,
        engineer,
        agreed.starts_at,
        60,
        version=versions["4.1.0"],
        override_reason="4.2.0 broke the warehouse; back to 4.1.0 until the fix",
    )
    plan.installation.refresh_from_db()
    assert plan.installation.current_version == versions["4.1.0"]
    assert plan.ticket.events.filter(field=events.INSTALLATION_OVERRIDE).count() == 1


def test_the_api_names_the_field_of_an_installation_outside_its_window(
    api_as: Any, plan: UpdatePlan, agreed: Any, engineer: User
) -> None:
    start = agreed.starts_at - dt.timedelta(hours=1)
    body = {
        "started_at": start.isoformat(),
        "finished_at": (start + dt.timedelta(hours=2)).isoformat(),
        "installed_version": plan.target_version_id,
    }
    client = api_as(engineer)
    # the engineer's profile says Russian; a token caller may ask English per request
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with time_machine.travel(start + dt.timedelta(hours=6)):
        refused = client.post(f"/api/releases/plans/{plan.pk}/installed/", body, format="json")
        assert refused.status_code == 400
        assert "Outside the agreed window" in refused.json()["started_at"][0]
        done = client.post(
            f"/api/releases/plans/{plan.pk}/installed/",
            {**body, "override_reason": "Started early at the customer's request"},
            format="json",
        )
    assert done.status_code == 200, done.json()
    assert done.json()["override_reason"] == "Started early at the customer's request"


@pytest.fixture
def back_to_english() -> Iterator[None]:
    """The engineer reads Russian: the language stays active in the thread after a request."""
    yield
    translation.activate("en")


def test_the_page_says_why_an_installation_is_refused(
    client: Any, plan: UpdatePlan, agreed: Any, engineer: User, back_to_english: None
) -> None:
    start = agreed.starts_at - dt.timedelta(hours=1)
    with time_machine.travel(start + dt.timedelta(hours=6)):
        client.force_login(engineer)
        page = client.post(
            f"/releases/plans/{plan.ticket_id}/",
            {
                "action": "installed",
                "started_at": start.strftime("%Y-%m-%dT%H:%M"),
                "finished_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "installed_version": plan.target_version_id,
            },
        )
    assert page.status_code == 400
    assert "Вне согласованного окна" in page.content.decode()  # in the engineer's language


def test_the_api_names_the_field_of_a_downgrade_and_of_an_overlap_at_acceptance(
    api_as: Any,
    plan: UpdatePlan,
    test_plan: UpdatePlan,
    agreed: Any,
    engineer: User,
    agent: User,
    manager: User,
    responsible: User,
    versions: dict[str, ProductVersion],
) -> None:
    theirs = windows.propose_window(
        test_plan, manager, **window_kwargs(agent, agreed.starts_at + dt.timedelta(hours=3))
    )
    InstallationWindow.objects.filter(pk=theirs.pk).update(starts_at=agreed.starts_at)
    clash = api_as(responsible).post(f"/api/releases/windows/{theirs.pk}/accept/")
    assert clash.status_code == 400
    assert "never overlap" in clash.json()["starts_at"][0]

    plan.installation.current_version = versions["4.2.0"]
    plan.installation.save()
    start = agreed.starts_at
    with time_machine.travel(start + dt.timedelta(hours=6)):
        refused = api_as(engineer).post(
            f"/api/releases/plans/{plan.pk}/installed/",
            {
                "started_at": start.isoformat(),
                "finished_at": (start + dt.timedelta(hours=1)).isoformat(),
                "installed_version": versions["4.1.0"].pk,
            },
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",  # the engineer's profile says Russian
        )
    assert refused.status_code == 400
    assert "downgrade" in refused.json()["installed_version"][0]
