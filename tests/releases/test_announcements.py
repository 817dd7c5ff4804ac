"""The release steps that concern a ticket are on its audit trail and announced through the
ticket core's seam (``tickets.signals.announce``), once each, like the ticket verbs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import transaction

from secondline.accounts.models import User
from secondline.mail.models import Notification
from secondline.releases import catalogue, duty, installing, plans, windows
from secondline.releases.models import Installation, ProductVersion, UpdatePlan
from secondline.tickets import services as tickets
from secondline.tickets.choices import Priority
from secondline.tickets.models import TicketEvent
from tests.factories import incident_draft
from tests.listeners import Heard
from tests.releases.conftest import next_weekday_evening, window_kwargs

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind
OTHER, STATUS = Kind.OTHER, Kind.STATUS_CHANGED


def _heard(heard: Heard, committed: bool = True) -> list[tuple[str, str]]:
    changes = heard.committed if committed else heard.changed
    return [(c.event.kind, c.event.field) for c in changes]


def _announced_and_audited(heard: Heard, field: str) -> TicketEvent:
    """The one announced release event with this field, which is the one on the trail."""
    [change] = [c for c in heard.committed if c.event.field == field]
    assert (
        TicketEvent.objects.filter(ticket=change.ticket, field=field).latest("pk") == change.event
    )
    return change.event


def test_proposing_an_update_announces_the_filing_then_the_plan(
    installation: Installation,
    versions: dict[str, ProductVersion],
    manager: User,
    heard: Heard,
    sent: Any,
) -> None:
    with sent():
        plans.propose_update(installation, versions["4.2.1"], manager)
    assert _heard(heard) == [(Kind.CREATED, "status"), (OTHER, "update_plan")]
    event = _announced_and_audited(heard, "update_plan")
    assert (event.old_value, event.new_value) == (str(versions["4.1.0"]), str(versions["4.2.1"]))


def test_the_window_steps_are_announced_with_the_status_moves(
    plan: UpdatePlan, manager: User, engineer: User, responsible: User, heard: Heard, sent: Any
) -> None:
    heard.clear()
    start = next_weekday_evening()
    with sent():
        first = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
        windows.ask_another_window(first, responsible, "Mornings suit us better")
        second = windows.propose_window(
            plan, manager, **window_kwargs(engineer, start + dt.timedelta(days=1))
        )
        windows.accept_window(second, responsible)
    window = (OTHER, "installation_window")
    assert _heard(heard) == [
        window,
        (STATUS, "status"),  # waiting for the customer
        window,
        (STATUS, "status"),  # back in progress
        window,
        (STATUS, "status"),
        window,
        (STATUS, "status"),
    ]
    steps = [c.event for c in heard.committed if c.event.field == "installation_window"]
    assert [e.old_value for e in steps] == [
        "Window proposed",
        "Another window asked for",
        "Window proposed",
        "Window agreed",
    ]
    assert steps[1].reason == "Mornings suit us better"
    assert list(plan.ticket.events.filter(field="installation_window").order_by("pk")) == steps


def test_release_events_owe_no_ticket_email_of_their_own(
    plan: UpdatePlan, manager: User, engineer: User, heard: Heard, sent: Any
) -> None:
    # The release's own messages go out once (releases.messages); the announcement must not add
    # a second, generic ticket email.
    with sent():
        windows.propose_window(plan, manager, **window_kwargs(engineer, next_weekday_evening()))
    event = _announced_and_audited(heard, "installation_window")
    assert not Notification.objects.filter(event=event).exists()


def test_the_installation_is_announced_once_with_the_version_it_installed(
    plan: UpdatePlan,
    manager: User,
    engineer: User,
    responsible: User,
    versions: dict[str, ProductVersion],
    heard: Heard,
    sent: Any,
) -> None:
    start = next_weekday_evening(days=2, hour=11)
    window = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
    windows.accept_window(window, responsible)
    heard.clear()
    with time_machine.travel(window.ends_at + dt.timedelta(minutes=5)), sent():
        installing.record_installation_done(
            plan, engineer, start, start + dt.timedelta(hours=1), versions["4.2.1"], note="Done"
        )
    assert (OTHER, "installed_version") in _heard(heard)
    event = _announced_and_audited(heard, "installed_version")
    installed = str(versions["4.2.1"])
    assert (event.old_value, event.new_value, event.reason) == (installed, installed, "Done")
    # The version change is part of the installation: no second event says it again.
    assert not plan.ticket.events.filter(field="current_version").exists()
    assert _heard(heard)[-1] == (STATUS, "status")

    heard.clear()
    with sent():
        installing.confirm_installation(plan, responsible)
    assert _heard(heard) == [(STATUS, "status")]
    assert heard.committed[0].event.new_value == "resolved"


def test_a_version_changed_for_a_ticket_is_on_its_trail(
    plan: UpdatePlan,
    installation: Installation,
    versions: dict[str, ProductVersion],
    agent: User,
    heard: Heard,
    sent: Any,
) -> None:
    heard.clear()
    with sent():
        catalogue.record_version(installation, versions["4.2.0"], agent, note="Found on site")
    assert heard.committed == []  # no ticket, nothing to announce
    with sent():
        catalogue.record_version(
            installation, versions["4.2.1"], agent, ticket=plan.ticket, note="Hotfix by hand"
        )
    assert _heard(heard) == [(OTHER, "current_version")]
    event = _announced_and_audited(heard, "current_version")
    assert (event.old_value, event.new_value) == (str(versions["4.2.0"]), str(versions["4.2.1"]))
    assert event.actor == agent and event.reason == "Hotfix by hand"


def test_a_rolled_back_release_step_is_never_announced_after_commit(
    plan: UpdatePlan, manager: User, engineer: User, heard: Heard, sent: Any
) -> None:
    heard.clear()
    with sent(), pytest.raises(RuntimeError), transaction.atomic():
        windows.propose_window(plan, manager, **window_kwargs(engineer, next_weekday_evening()))
        raise RuntimeError("the caller failed after the step")
    assert (OTHER, "installation_window") in _heard(heard, committed=False)
    assert heard.committed == []
    assert not plan.ticket.events.filter(field="installation_window").exists()


def test_the_duty_steps_are_announced(
    member: User, agent: User, manager: User, heard: Heard, sent: Any
) -> None:
    draft = incident_draft(requested_priority=Priority.URGENT)
    with sent():
        ticket = tickets.file_ticket(member, draft)
    # With nobody on duty the managers are alerted: heard after the filing, from its listener.
    assert _heard(heard)[:1] == [(Kind.CREATED, "status")]
    alerted = _announced_and_audited(heard, "duty_alert")
    assert not alerted.is_public and str(manager) in alerted.new_value

    heard.clear()
    with sent():
        duty.record_phone_call(ticket, agent, caller_name="Mila", summary="Warehouse down")
    assert _heard(heard) == [
        (OTHER, "phone_call"),
        (OTHER, "duty_alert"),  # taking the call acknowledges the call-out
        (Kind.ASSIGNED, "assignee"),
    ]
    assert heard.committed[1].event.reason == "Urgent alert acknowledged."
