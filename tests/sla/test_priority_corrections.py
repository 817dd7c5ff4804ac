"""The contractor corrects a wrongly set priority, and a customer's wrong priority never counts
against it (docs/sla.md, Rules): a goal already reached is met if it met the target in force
when it was reached or the current one; a clock still running has the current target."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from secondline.sla import services as sla
from secondline.sla.models import ReactionTarget
from secondline.tickets import services
from secondline.tickets.choices import Priority, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import file_ticket, incident_draft
from tests.sla.conftest import msk

pytestmark = pytest.mark.django_db


def _reacted(clock: Any, member: Any, agent: Any, priority: str, hour: int) -> Ticket:
    """An incident filed Mon 2 Mar 2026 10:00 MSK, accepted (its reaction) at ``hour``."""
    ticket = file_ticket(member, incident_draft(requested_priority=priority))
    clock.move_to(msk(2026, 3, 2, hour))
    services.change_status(ticket, agent, Status.ACCEPTED)
    return Ticket.objects.get(pk=ticket.pk)


def _sla_alerts() -> list[str]:
    return [str(m.subject) for m in mail.outbox if "SLA" in str(m.subject)]


def test_raising_the_priority_after_a_reaction_in_time_keeps_it_met(clock, member, agent) -> None:
    ticket = _reacted(clock, member, agent, Priority.NORMAL, 12)  # Normal: due 19:00
    assert ticket.sla_state == "met"
    clock.move_to(msk(2026, 3, 2, 13))
    mail.outbox.clear()
    services.change_priority(ticket, agent, Priority.URGENT, "Production is down after all")
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.reaction_due_at) == ("met", msk(2026, 3, 2, 19))
    assert not TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.SLA_CHANGED)
    assert _sla_alerts() == []
    assert sla.stored_state(ticket, msk(2026, 3, 2, 13)) == "met", "the sweep agrees"
    explained = sla.explanation(ticket)
    assert "first reaction Mon 2 Mar 12:00, in time" in explained
    assert "judged by the target of the priority then in force (Normal)" in explained


def test_lowering_the_priority_after_a_missed_reaction_clears_the_breach(
    clock, member, agent
) -> None:
    ticket = _reacted(clock, member, agent, Priority.URGENT, 13)  # Urgent: due 11:00, 2 h late
    assert ticket.sla_state == "breached"
    services.change_priority(ticket, agent, Priority.LOW, "Not urgent: one user affected")
    ticket.refresh_from_db()
    # Low: 27 business hours, Mon 9 h + Tue 9 h + Wed 9 h
    assert (ticket.sla_state, ticket.reaction_due_at) == ("met", msk(2026, 3, 4, 19))
    explained = sla.explanation(ticket)
    assert "first reaction Mon 2 Mar 13:00, in time" in explained
    assert "judged by" not in explained, "the current priority's target"


def test_a_reaction_late_for_both_priorities_stays_a_breach_counted_from_the_kinder_one(
    clock, member, agent
) -> None:
    ticket = _reacted(clock, member, agent, Priority.HIGH, 15)  # High: due 14:00, 1 h late
    # corrected in the same instant as the reaction: still after it
    assert ticket.sla_state == "breached"
    services.change_priority(ticket, agent, Priority.URGENT, "Production is down after all")
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.reaction_due_at) == ("breached", msk(2026, 3, 2, 14))
    explained = sla.explanation(ticket)
    assert "first reaction Mon 2 Mar 15:00, 1 h late" in explained
    assert "(High)" in explained


def test_a_clock_still_running_takes_the_current_target_from_the_filing(
    clock, member, agent
) -> None:
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.NORMAL))
    clock.move_to(msk(2026, 3, 2, 12))
    services.change_priority(ticket, agent, Priority.URGENT, "Production is down")
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.reaction_due_at) == ("breached", msk(2026, 3, 2, 11))


def test_a_priority_corrected_twice_judges_the_reaction_by_the_one_then_in_force(
    clock, member, agent
) -> None:
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.URGENT))
    clock.move_to(msk(2026, 3, 2, 10, 30))
    services.change_priority(ticket, agent, Priority.NORMAL, "One user affected")
    clock.move_to(msk(2026, 3, 2, 12))
    services.change_status(ticket, agent, Status.ACCEPTED)  # Normal: due 19:00, in time
    clock.move_to(msk(2026, 3, 2, 13))
    services.change_priority(ticket, agent, Priority.URGENT, "Now the whole warehouse")
    ticket.refresh_from_db()
    assert (ticket.sla_state, ticket.reaction_due_at) == ("met", msk(2026, 3, 2, 19))


@pytest.fixture
def intervals(personas: Any) -> None:
    """High: an update every 2 business hours; Urgent: every 30 minutes."""
    for priority, minutes in ((Priority.HIGH, 120), (Priority.URGENT, 30)):
        target = ReactionTarget.objects.get(
            plan=personas.contract.sla_plan, ticket_type=TicketType.INCIDENT, priority=priority
        )
        target.update_minutes = minutes
        target.save()  # through save(), so the cached plans hear of it


def test_an_update_given_in_time_stays_in_time_after_a_raise(
    clock, intervals, member, agent
) -> None:
    ticket = file_ticket(member)  # High
    clock.move_to(msk(2026, 3, 2, 10, 30))
    services.add_comment(ticket, agent, "We are looking into it.")  # reaction
    clock.move_to(msk(2026, 3, 2, 12))
    services.add_comment(ticket, agent, "Found the cause.")  # 90 min: in time for High
    clock.move_to(msk(2026, 3, 2, 12, 10))
    services.change_priority(ticket, agent, Priority.URGENT, "Production is down after all")
    ticket.refresh_from_db()
    assert ticket.update_due_at == msk(2026, 3, 2, 12, 30), "the next one: Urgent's interval"
    assert ticket.sla_state == "on_track"


def test_an_update_late_for_both_priorities_stays_a_breach(clock, intervals, member, agent) -> None:
    ticket = file_ticket(member)  # High
    clock.move_to(msk(2026, 3, 2, 10, 30))
    services.add_comment(ticket, agent, "We are looking into it.")
    clock.move_to(msk(2026, 3, 2, 13))
    services.add_comment(ticket, agent, "Found the cause.")  # 2.5 h: late for High too
    clock.move_to(msk(2026, 3, 2, 13, 10))
    services.change_priority(ticket, agent, Priority.URGENT, "Production is down after all")
    ticket.refresh_from_db()
    assert ticket.sla_state == "breached"
