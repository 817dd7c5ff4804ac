"""The SLA listens to the ticket core: it keeps each ticket's deadlines current as the ticket
changes, and raises the alarm when the ticket becomes at risk or breached."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_save
from django.dispatch import receiver

from secondline.sla import services
from secondline.sla.tasks import send_sla_alert
from secondline.tickets.choices import Status
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.signals import Change, ticket_changed, ticket_committed

Kind = TicketEvent.Kind

# What can move a deadline: the first reaction, a pause for the customer, a resolution, a
# reopening, a new priority, (when the plan sets an update interval) a public answer, and a
# merge, which closes the duplicate and so stops its clocks.
CLOCK_KINDS = frozenset(
    {Kind.STATUS_CHANGED, Kind.DECLINED, Kind.PRIORITY_CHANGED, Kind.COMMENTED, Kind.MERGED}
)


@receiver(pre_save, sender=Ticket, dispatch_uid="sla.start_clocks")
def start_clocks(sender: Any, instance: Ticket, raw: bool = False, **kwargs: Any) -> None:
    """A ticket being filed is written with its deadlines and "on track": one INSERT, no
    UPDATE of the new row after it (its filing time and contract are set by then)."""
    if not raw and instance._state.adding:
        services.start_clocks(instance)


@receiver(ticket_changed, dispatch_uid="sla.keep_clocks_current")
def keep_clocks_current(sender: Any, change: Change, **kwargs: Any) -> None:
    """In the transaction of the change, so a ticket is never committed with stale deadlines."""
    event, ticket = change.event, change.ticket
    if event.kind in CLOCK_KINDS and moves_a_clock(event, ticket):
        if services.is_first_reaction(event):
            ticket.first_reaction_at = event.created_at
        services.recompute(ticket)


def moves_a_clock(event: TicketEvent, ticket: Ticket) -> bool:
    """A comment counts only as the contractor's public answer (a reaction or an update owed),
    or as the customer's answer that ended a pause (``add_comment`` moved the ticket back in
    progress). Anything else said, a customer's remark or a staff note, leaves every deadline
    where it was, and the sweep still finds the next change of state on time."""
    if event.kind != Kind.COMMENTED:
        return True
    resumed = ticket.sla_paused_since is not None and ticket.status != Status.WAITING_FOR_CUSTOMER
    return services.is_contractor_answer(event) or resumed


@receiver(ticket_committed, dispatch_uid="sla.send_alerts")
def send_alerts(sender: Any, change: Change, **kwargs: Any) -> None:
    """Each person alerted gets their own task, retried on its own while SMTP fails."""
    if change.event.kind == Kind.SLA_CHANGED:
        for person in services.alert_recipients(change.ticket):
            send_sla_alert.delay(change.event.pk, person.pk)
