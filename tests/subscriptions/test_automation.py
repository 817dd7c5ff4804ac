"""Automation, audited: automatic assignment, the reminder and closing of tickets waiting for
the customer, the closing of resolved tickets, the alarm about unassigned tickets. Every
action is a ticket event naming its rule; the sweep reads only the timers that are due."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secondline.releases.models import DutyShift
from secondline.subscriptions import automation
from secondline.subscriptions.models import AccountEngineer, Notice, Timer
from secondline.tickets import services
from secondline.tickets.choices import Channel, Status
from secondline.tickets.models import TicketEvent
from tests.factories import file_ticket
from tests.subscriptions.conftest import MONDAY_11, MOSCOW, follow_all_new

Kind = TicketEvent.Kind


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of December 2026 in Moscow (the 7th is a Monday)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=MOSCOW)


def automatic_events(ticket) -> list[tuple[str, str]]:
    events = TicketEvent.objects.filter(ticket=ticket, actor=None, channel=Channel.SYSTEM)
    return [(e.kind, e.reason) for e in events.exclude(kind=Kind.PRIORITY_SET)]


@pytest.fixture
def rules(settings):
    settings.AUTO_ASSIGN = []
    settings.NOTIFY_UNASSIGNED_MINUTES = 30
    settings.AUTO_REMIND_WAITING_DAYS = 3
    settings.AUTO_CLOSE_WAITING_DAYS = 4
    settings.AUTO_CLOSE_RESOLVED_DAYS = 5
    return settings


def test_a_new_ticket_goes_to_the_account_engineer(personas, rules, sent) -> None:
    rules.AUTO_ASSIGN = ["account", "duty"]
    AccountEngineer.objects.create(customer=personas.customer, engineer=personas.agent)
    with sent():
        ticket = file_ticket(personas.member)
    ticket.refresh_from_db()
    assert ticket.assignee == personas.agent
    [(kind, reason)] = automatic_events(ticket)
    assert kind == Kind.ASSIGNED and "assign-account-engineer" in reason
    assert Notice.objects.filter(recipient=personas.agent, kind=Notice.Kind.ASSIGNED).exists()
    assert not Timer.objects.filter(ticket=ticket, kind=Timer.Kind.UNASSIGNED).exists()


def test_new_tickets_go_round_robin_to_the_engineers_on_duty(
    personas, engineer, rules, sent
) -> None:
    rules.AUTO_ASSIGN = ["account", "duty"]  # nobody looks after this customer: the roster
    with time_machine.travel(MONDAY_11, tick=False):
        for position, person in enumerate([personas.agent, engineer], start=1):
            DutyShift.objects.create(
                engineer=person,
                starts_at=at(7, 9),
                ends_at=at(7, 21),
                position=position,
            )
        tickets = []
        for _ in range(3):
            with sent():
                tickets.append(file_ticket(personas.member))
    for ticket in tickets:
        ticket.refresh_from_db()
    assert [t.assignee for t in tickets] == [personas.agent, engineer, personas.agent]
    assert all("assign-on-duty" in automatic_events(t)[0][1] for t in tickets)


def test_nobody_is_assigned_without_a_rule(member, rules, sent) -> None:
    with sent():
        ticket = file_ticket(member)
    ticket.refresh_from_db()
    assert ticket.assignee is None and automatic_events(ticket) == []


def test_the_team_hears_of_a_ticket_unassigned_for_30_business_minutes(
    agent, member, rules, sent
) -> None:
    follow_all_new(agent)
    friday_evening = at(4, 18, 50)  # 10 business minutes left on Friday
    with time_machine.travel(friday_evening, tick=False):
        ticket = file_ticket(member)
    Notice.objects.all().delete()
    timer = Timer.objects.get(ticket=ticket)
    assert timer.due_at == at(7, 10, 20)  # Monday: the other 20 business minutes
    assert automation.run_due(at(7, 10, 19)) == 0
    with sent():
        assert automation.run_due(at(7, 10, 21)) == 1
    assert [n.kind for n in Notice.objects.filter(recipient=agent)] == [Notice.Kind.UNASSIGNED]
    assert any("is still unassigned" in m.body for m in mail.outbox if m.to == [agent.email])
    assert automation.run_due(at(7, 12)) == 0  # told once


def test_an_assigned_ticket_raises_no_alarm(agent, manager, member, rules) -> None:
    with time_machine.travel(MONDAY_11, tick=False):
        ticket = file_ticket(member)
        services.assign(ticket, manager, agent)
    assert automation.run_due(at(8, 12)) == 0
    assert not Notice.objects.filter(kind=Notice.Kind.UNASSIGNED).exists()


def test_a_waiting_ticket_reminds_the_customer_then_closes(agent, member, rules, sent) -> None:
    with time_machine.travel(MONDAY_11, tick=False):
        ticket = file_ticket(member)
        services.change_status(ticket, agent, Status.WAITING_FOR_CUSTOMER)
    mail.outbox.clear()
    assert automation.run_due(at(10, 10, 59)) == 0  # Thursday, before 3 business days
    with time_machine.travel(at(10, 11, 1), tick=False), sent():
        assert automation.run_due() == 1
    [reminder] = [m for m in mail.outbox if m.to == [member.email]]
    assert reminder.subject.startswith(f"[{ticket.number}] Waiting for your answer:")
    assert "remind-waiting" in reminder.body
    assert automatic_events(ticket)[-1][0] == Kind.OTHER
    close = Timer.objects.get(ticket=ticket)
    assert (close.kind, close.due_at) == (Timer.Kind.CLOSE_WAITING, at(16, 11, 1))
    with time_machine.travel(at(16, 11, 2), tick=False), sent():
        assert automation.run_due() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    kind, reason = automatic_events(ticket)[-1]
    assert kind == Kind.STATUS_CHANGED and "close-waiting" in reason


def test_the_customers_answer_stops_the_reminder(agent, member, rules) -> None:
    with time_machine.travel(MONDAY_11, tick=False):
        ticket = file_ticket(member)
        services.change_status(ticket, agent, Status.WAITING_FOR_CUSTOMER)
        services.add_comment(ticket, member, "Here it is.")
    assert not Timer.objects.filter(ticket=ticket).exclude(kind=Timer.Kind.UNASSIGNED).exists()
    assert automation.run_due(at(31, 12)) <= 1  # at most the unassigned alarm
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_a_resolved_ticket_closes_after_five_business_days(agent, member, rules) -> None:
    with time_machine.travel(MONDAY_11, tick=False):
        ticket = file_ticket(member)
        services.change_status(ticket, agent, Status.RESOLVED)
    assert automation.run_due(at(14, 10, 59)) == 0  # the next Monday, a little early
    assert automation.run_due(at(14, 11, 1)) == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert "close-resolved" in automatic_events(ticket)[-1][1]


def test_a_reopened_ticket_is_not_closed(agent, member, rules) -> None:
    with time_machine.travel(MONDAY_11, tick=False):
        ticket = file_ticket(member)
        services.change_status(ticket, agent, Status.RESOLVED)
        services.reopen(ticket, member, reason="Not fixed.")
    assert automation.run_due(at(21, 12)) == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_the_sweep_reads_only_what_is_due(agent, member, rules, django_assert_num_queries) -> None:
    with time_machine.travel(MONDAY_11, tick=False):
        for _ in range(3):
            services.change_status(file_ticket(member), agent, Status.RESOLVED)
    with django_assert_num_queries(1):  # the due timers (none): no ticket is read
        assert automation.run_due(at(8, 12)) == 0


def test_tickets_not_yet_due_cost_the_sweep_nothing(agent, member, rules) -> None:
    """The reminders and automatic closing read only the timers that are due (``Timer.due_at``,
    indexed): thirty resolved tickets not yet due add no query to the one that closes."""
    with time_machine.travel(MONDAY_11, tick=False):
        alone = file_ticket(member)
        services.change_status(alone, agent, Status.RESOLVED)
    with CaptureQueriesContext(connection) as one:
        assert automation.run_due(at(14, 11, 1)) == 1  # five business days later
    with time_machine.travel(at(8, 11), tick=False):
        due = file_ticket(member)
        services.change_status(due, agent, Status.RESOLVED)
    with time_machine.travel(at(9, 11), tick=False):
        for _ in range(30):
            services.change_status(file_ticket(member), agent, Status.RESOLVED)
    with CaptureQueriesContext(connection) as many:
        assert automation.run_due(at(15, 11, 1)) == 1
    due.refresh_from_db()
    assert due.status == Status.CLOSED
    assert len(many) == len(one), "the same queries with thirty tickets waiting"
    assert Timer.objects.filter(due_at__lte=at(15, 11, 1)).count() == 0
    assert Timer.objects.filter(kind=Timer.Kind.CLOSE_RESOLVED).count() == 30


def test_an_automatic_reason_reads_in_each_readers_language(
    agent, member, rules, settings, api_as, client
) -> None:
    """The rule and its figures are kept; each reader gets the words in their own language,
    and a later change of the setting does not rewrite what happened."""
    member.language, agent.language = "en", "ru"
    member.save(), agent.save()
    with time_machine.travel(MONDAY_11, tick=False):
        ticket = file_ticket(member)
        services.change_status(ticket, agent, Status.RESOLVED)
    assert automation.run_due(at(14, 11, 1)) == 1
    settings.AUTO_CLOSE_RESOLVED_DAYS = 9
    event = TicketEvent.objects.get(ticket=ticket, rule="close-resolved")
    assert event.reason_params == {"days": 5}
    assert event.reason.startswith("Closed: resolved 5 business days ago")  # the audit's copy

    history = api_as(agent).get(f"/api/tickets/{ticket.pk}/events/").json()
    [reason] = [e["reason"] for e in history if e["new_value"] == Status.CLOSED]
    assert reason == (
        "Закрыта: решена 5 рабочих дн. назад, ответа не было. "
        "(автоматическое правило «close-resolved»)"
    )
    english = api_as(member).get(f"/api/tickets/{ticket.pk}/events/").json()
    [reason] = [e["reason"] for e in english if e["new_value"] == Status.CLOSED]
    assert reason.startswith("Closed: resolved 5 business days ago")

    client.force_login(agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "Закрыта: решена 5 рабочих дн. назад" in page
    assert "Closed: resolved" not in page
