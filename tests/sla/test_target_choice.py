"""Which of a plan's reaction targets a ticket gets: the one naming its type and priority, else
the type's target for any priority (``ReactionTarget.priority`` help text: "Empty: any priority
of this type")."""

from __future__ import annotations

import pytest

from secondline.sla.models import ReactionTarget, SLAPlan
from secondline.tickets.choices import Priority, TicketType
from tests.factories import consultation_draft, file_ticket
from tests.sla.conftest import msk

pytestmark = pytest.mark.django_db

C, INC = TicketType.CONSULTATION, TicketType.INCIDENT


@pytest.mark.parametrize(
    ("targets", "ticket_type", "priority", "minutes"),
    [
        # the exact priority beats the type's "any priority" target
        ([(C, "", 1080), (C, Priority.NORMAL, 120)], C, Priority.NORMAL, 120),
        # "any priority" is the fallback for the priorities not named
        ([(C, "", 1080), (C, Priority.NORMAL, 120)], C, Priority.LOW, 1080),
        ([(C, "", 1080)], C, Priority.URGENT, 1080),
        # only the ticket's own type counts
        ([(INC, "", 540), (C, Priority.NORMAL, 120)], C, Priority.LOW, None),
        ([(INC, Priority.HIGH, 240)], INC, Priority.LOW, None),
        ([(INC, Priority.HIGH, 240), (INC, Priority.LOW, 1620)], INC, Priority.LOW, 1620),
    ],
)
def test_it_picks_the_exact_priority_then_any(targets, ticket_type, priority, minutes) -> None:
    plan = SLAPlan.objects.create(name="Table")
    for target_type, target_priority, reaction in targets:
        ReactionTarget.objects.create(
            plan=plan,
            ticket_type=target_type,
            priority=target_priority,
            reaction_minutes=reaction,
        )
    target = plan.target_for(ticket_type, priority)
    assert (target.reaction_minutes if target else None) == minutes


def test_a_filed_ticket_gets_the_specific_target(clock, personas, member) -> None:
    """The default plan's Consultation "any priority" 18 h stays beside a Normal 2 h one."""
    ReactionTarget.objects.create(
        plan=personas.contract.sla_plan,
        ticket_type=C,
        priority=Priority.NORMAL,
        reaction_minutes=120,
    )
    ticket = file_ticket(member, consultation_draft())  # Mon 2 Mar 10:00, the plan's Normal
    assert (ticket.priority, ticket.reaction_due_at) == (Priority.NORMAL, msk(2026, 3, 2, 12))
