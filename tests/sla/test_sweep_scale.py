"""The sweep reads only the tickets whose next at-risk moment or deadline has come: idle open
tickets cost it nothing, however many there are (``Ticket.sla_next_check_at``, indexed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secondline.sla import sweep
from secondline.tickets import services as tickets
from secondline.tickets.choices import Status
from secondline.tickets.models import Ticket
from tests.factories import file_ticket, incident_draft
from tests.sla.conftest import msk


def _sweep_now(now: dt.datetime) -> tuple[int, int, int]:
    """(tickets read, queries run, tickets moved) of one sweep at ``now``, the cache cold (the
    staff who hear of a change come from the cache framework, warm or not by chance)."""
    read = sweep.sweep_candidates(now).count()
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        moved = sweep.sweep(now)
    return read, len(queries), moved


@pytest.mark.django_db
def test_idle_open_tickets_cost_the_sweep_nothing(clock, member, agent) -> None:
    file_ticket(member)  # high incident: 4 h, at risk at 13:12, due Mon 2 Mar 14:00
    clock.move_to(msk(2026, 3, 2, 13, 30))
    small = _sweep_now(msk(2026, 3, 2, 13, 30))
    assert small[0] == 1 and small[2] == 1

    file_ticket(member)
    clock.move_to(msk(2026, 3, 2, 13, 45))  # filed later: its clocks are far from a change
    for _ in range(30):
        file_ticket(member)
    big = _sweep_now(msk(2026, 3, 2, 13, 45))
    assert big == (0, 1, 0), "one indexed query that finds nothing to do"
    assert Ticket.objects.filter(status=Status.NEW).count() == 32

    breach = _sweep_now(msk(2026, 3, 2, 14, 1))
    assert breach[0] == 1 and breach[2] == 1, "only the first ticket, now breached"
    assert breach[1] == small[1], "the same queries as with one open ticket"


@pytest.mark.django_db
def test_each_ticket_gets_its_next_check_moment(clock, member, agent) -> None:
    ticket = file_ticket(member)  # 4 business hours from Mon 10:00
    assert ticket.sla_next_check_at == msk(2026, 3, 2, 13, 12), "80 % of the target"
    sweep.sweep(msk(2026, 3, 2, 13, 13))
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.sla_next_check_at) == ("at_risk", msk(2026, 3, 2, 14))
    sweep.sweep(msk(2026, 3, 2, 14, 1))
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.sla_next_check_at) == ("breached", None)


@pytest.mark.django_db
def test_a_ticket_whose_clocks_stand_still_leaves_the_sweep(clock, member, agent):
    ticket = file_ticket(member)
    tickets.change_status(ticket, agent, Status.WAITING_FOR_CUSTOMER)
    ticket.refresh_from_db()
    assert ticket.sla_next_check_at is None
    new = file_ticket(
        member, incident_draft(requested_priority="low")
    )  # 27 h: at risk late on Wednesday
    clock.move_to(msk(2026, 3, 3, 10))
    assert sweep.sweep_candidates().count() == 0
    assert new.sla_next_check_at > msk(2026, 3, 4, 10)
