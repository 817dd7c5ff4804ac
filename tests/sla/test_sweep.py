"""The SLA sweep: at risk and breached, each change recorded and alerted once only."""

from __future__ import annotations

import os
import threading

import pytest
from django.core import mail
from django.db import connection

from conftest import need_service
from secondline.celery import app
from secondline.sla import sweep
from secondline.sla.tasks import sweep_sla
from secondline.tickets import services as tickets
from secondline.tickets.choices import Status
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import file_ticket
from tests.sla.conftest import msk


def _assigned_ticket(member, manager, agent) -> Ticket:
    ticket = file_ticket(member)  # high: 4 h, due Mon 2 Mar 14:00
    tickets.assign(ticket, manager, agent)
    mail.outbox.clear()
    return Ticket.objects.get(pk=ticket.pk)


def test_the_sweep_is_registered_with_beat() -> None:
    entry = app.conf.beat_schedule["sla-sweep"]
    assert entry == {"task": "secondline.sla.tasks.sweep_sla", "schedule": 60}


@pytest.mark.django_db
def test_it_marks_at_risk_then_breached_and_alerts_each_once(
    clock, sent, member, manager, agent
) -> None:
    manager.language = "ru"
    manager.save()
    ticket = _assigned_ticket(member, manager, agent)
    clock.move_to(msk(2026, 3, 2, 13))
    with sent():
        assert sweep_sla() == 0
    assert mail.outbox == []

    clock.move_to(msk(2026, 3, 2, 13, 12))  # 80 % of 4 h elapsed
    with sent():
        assert sweep_sla() == 1
        assert sweep_sla() == 0, "the same change is not made twice"
    ticket.refresh_from_db()
    assert ticket.sla_state == "at_risk"
    assert sorted(m.to[0] for m in mail.outbox) == sorted([agent.email, manager.email])
    by_person = {m.to[0]: m for m in mail.outbox}
    assert by_person[agent.email].subject == f"[{ticket.number}] SLA at risk: {ticket.subject}"
    assert by_person[manager.email].subject.startswith(f"[{ticket.number}] SLA под угрозой")
    assert "filed Mon 2 Mar 10:00 MSK" in by_person[agent.email].body
    assert "подана Пн 2 марта 10:00 МСК" in by_person[manager.email].body

    mail.outbox.clear()
    clock.move_to(msk(2026, 3, 2, 14, 1))
    with sent():
        assert sweep_sla() == 1
        assert sweep_sla() == 0
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"
    assert len(mail.outbox) == 2
    assert all(m.subject.startswith(f"[{ticket.number}] SLA") for m in mail.outbox)
    assert any("SLA breached" in m.subject for m in mail.outbox)
    events = ticket.events.filter(kind=TicketEvent.Kind.SLA_CHANGED).order_by("id")
    assert [(e.old_value, e.new_value, e.is_public) for e in events] == [
        ("on_track", "at_risk", False),
        ("at_risk", "breached", False),
    ]


@pytest.mark.django_db
def test_paused_met_and_declined_tickets_are_left_alone(clock, sent, member, agent) -> None:
    waiting, met, declined = file_ticket(member), file_ticket(member), file_ticket(member)
    clock.move_to(msk(2026, 3, 2, 11))
    tickets.change_status(waiting, agent, Status.WAITING_FOR_CUSTOMER)
    tickets.change_status(met, agent, Status.ACCEPTED)
    tickets.decline_ticket(declined, agent, "out-of-scope-db-server")
    mail.outbox.clear()
    clock.move_to(msk(2026, 3, 5, 11))
    with sent():
        assert sweep.sweep() == 0
    states = dict(Ticket.objects.values_list("pk", "sla_state"))
    # Moving a new ticket to "waiting" was the reaction, so with no resolution target in the
    # plan nothing is left to pause: the reaction target is met.
    assert states == {waiting.pk: "met", met.pk: "met", declined.pk: ""}
    assert mail.outbox == []


@pytest.mark.django_db
def test_two_overlapping_sweeps_alert_once(clock, sent, member, manager, agent) -> None:
    ticket = _assigned_ticket(member, manager, agent)
    clock.move_to(msk(2026, 3, 2, 15))
    stale = list(sweep.sweep_candidates())  # sweep A reads its tickets ...
    with sent():
        assert sweep.sweep() == 1  # ... sweep B runs to the end meanwhile ...
        assert sweep.sweep(tickets=stale) == 0  # ... and A loses the claim
    assert len(mail.outbox) == 2  # the assignee and the manager, once each
    assert ticket.events.filter(kind=TicketEvent.Kind.SLA_CHANGED).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_in_parallel_on_postgresql_alert_once(clock, member, manager, agent) -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        need_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")
    for _ in range(5):
        _assigned_ticket(member, manager, agent)
    clock.move_to(msk(2026, 3, 2, 15))
    barrier = threading.Barrier(2)
    moved: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            stale = list(sweep.sweep_candidates())
            barrier.wait(timeout=10)
            moved.append(sweep.sweep(tickets=stale))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(moved) == 5
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA_CHANGED).count() == 5
    assert len(mail.outbox) == 5 * 2


@pytest.mark.django_db
def test_an_alert_joins_the_thread_its_recipient_already_has(
    clock, sent, member, manager, agent
) -> None:
    with sent():
        ticket = file_ticket(member)
        tickets.assign(ticket, manager, agent)
    told = [m.extra_headers["Message-ID"] for m in mail.outbox if m.to == [agent.email]]
    assert len(told) == 1  # the assignee heard of the ticket; the manager did not
    mail.outbox.clear()
    clock.move_to(msk(2026, 3, 2, 13, 12))
    with sent():
        assert sweep_sla() == 1
    alerts = {m.to[0]: m.extra_headers for m in mail.outbox}
    assert alerts[agent.email]["In-Reply-To"] == alerts[agent.email]["References"] == told[0]
    assert "In-Reply-To" not in alerts[manager.email]  # no thread is invented
    assert alerts[agent.email]["X-SecondLine-Ticket"] == ticket.number
