"""What one seeded ticket carries: its row with the SLA clocks of its status, its conversation and
status moves, its attachment rows and work logs, drawn from the mix a vendor's second line sees.

``seed`` writes them in bulk; rows refer to each other by key (``ticket_id=``), not by
instance: half the time of a bulk insert is Django preparing values, and a related instance
costs a descriptor per row.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from secondline.accounts.models import Contract, User
from secondline.billing.models import Activity, WorkLog
from secondline.sla import services as sla
from secondline.sla.clock import State
from secondline.tickets.choices import Channel, Priority, Status, TicketType
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent

OPEN_WITHIN_DAYS = 45  # open tickets were filed in the last weeks; older ones are finished

# Weights of the mix, roughly what a vendor's second line sees.
TYPES: dict[str, int] = {
    TicketType.INCIDENT: 55,
    TicketType.CONSULTATION: 30,
    TicketType.CHANGE_REQUEST: 10,
    TicketType.UPDATE_INSTALLATION: 5,
}
PRIORITIES: dict[str, int] = {
    Priority.URGENT: 3,
    Priority.HIGH: 17,
    Priority.NORMAL: 60,
    Priority.LOW: 20,
}
FINISHED: dict[str, int] = {Status.CLOSED: 70, Status.RESOLVED: 22, Status.DECLINED: 8}
OPEN: dict[str, int] = {
    Status.NEW: 25,
    Status.ACCEPTED: 15,
    Status.IN_PROGRESS: 40,
    Status.WAITING_FOR_CUSTOMER: 20,
}
OPEN_SHARE = 0.08
CHANNELS: dict[str, int] = {Channel.EMAIL: 55, Channel.WEB: 35, Channel.API: 10}
# The way a ticket walks to its final status, recorded as status events.
PATHS: dict[str, list[str]] = {
    Status.NEW: [],
    Status.ACCEPTED: [Status.ACCEPTED],
    Status.IN_PROGRESS: [Status.ACCEPTED, Status.IN_PROGRESS],
    Status.WAITING_FOR_CUSTOMER: [Status.ACCEPTED, Status.WAITING_FOR_CUSTOMER],
    Status.RESOLVED: [Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED],
    Status.CLOSED: [Status.ACCEPTED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
    Status.DECLINED: [],
}
MODULES = ["Warehouse", "Invoicing", "Payroll", "Reports", "Exchange with 1C", "Sign-in"]
TROUBLES = [
    "fails with a timeout",
    "shows empty rows",
    "is slow since the update",
    "rejects a valid document",
    "asks for a licence",
    "prints the wrong totals",
]
ANSWERS = [
    "We are looking into it.",
    "Please send the log file from the server.",
    "Fixed in the next build; a workaround is attached.",
    "Here is the log you asked for.",
    "It works again, thank you.",
    "Could you try once more after the restart?",
]


@dataclass
class Cast:
    """Who the seeded tickets are between."""

    agents: list[User]
    contracts: list[tuple[Contract, list[User]]]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class Rows:
    """The rows of one batch that hang off its tickets."""

    comments: list[Comment] = field(default_factory=list)
    events: list[TicketEvent] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    worklogs: list[WorkLog] = field(default_factory=list)


def ticket(rng: random.Random, people: Cast, mix: tuple[int, float], now: dt.datetime) -> Ticket:
    years, open_share = mix
    contract, customers = rng.choice(people.contracts)
    is_open = rng.random() < open_share
    status = _pick(rng, OPEN if is_open else FINISHED)
    span = OPEN_WITHIN_DAYS if is_open else 365 * years
    created = now - dt.timedelta(minutes=rng.randrange(30, span * 24 * 60))
    ticket_type = _pick(rng, TYPES)
    priority = _pick(rng, PRIORITIES) if ticket_type == TicketType.INCIDENT else Priority.NORMAL
    module = rng.choice(MODULES)
    ticket = Ticket(
        organization_id=contract.customer_id,
        contract_id=contract.pk,
        requester_id=rng.choice(customers).pk,
        type=ticket_type,
        priority=priority,
        requested_priority=priority,
        status=status,
        channel=_pick(rng, CHANNELS),
        subject=f"{module} {rng.choice(TROUBLES)}",
        description=f"Since this morning {module.lower()} {rng.choice(TROUBLES)}.\n" * 3,
        affected_module=module,
        assignee_id=None if status == Status.NEW else rng.choice(people.agents).pk,
        created_at=created,
        updated_at=created,
    )
    _clocks(rng, ticket, contract, now)
    return ticket


def _clocks(rng: random.Random, ticket: Ticket, contract: Contract, now: dt.datetime) -> None:
    """Deadlines from the plan and the calendar; the reaction and the end of the work."""
    fields = sla.initial_fields(contract, ticket.type, ticket.priority, ticket.created_at)
    for name, value in fields.items():
        setattr(ticket, name, value)
    if not ticket.sla_state or ticket.status == Status.DECLINED:
        ticket.sla_state, ticket.sla_next_check_at = State.NONE, None
        return
    if ticket.status == Status.NEW:
        return  # the clocks run: the sweep finds the ticket at its next check moment
    due = ticket.reaction_due_at or ticket.created_at
    reacted = min(ticket.created_at + dt.timedelta(minutes=rng.randrange(5, 8 * 60)), now)
    ticket.first_reaction_at = ticket.updated_at = reacted
    on_time = State.MET if reacted <= due else State.BREACHED
    ticket.sla_state, ticket.sla_next_check_at = on_time, None
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        resolved = ticket.created_at + dt.timedelta(hours=rng.randrange(2, 24 * 14))
        ticket.resolved_at = ticket.updated_at = resolved
        ticket.closed_at = resolved if ticket.status == Status.CLOSED else None
    elif ticket.resolution_due_at is not None and on_time == State.MET:
        # a resolution clock still runs (or stands still while waiting for the customer)
        waiting = ticket.status == Status.WAITING_FOR_CUSTOMER
        ticket.sla_state = State.PAUSED if waiting else State.ON_TRACK
        ticket.sla_paused_since = reacted if waiting else None
        ticket.sla_next_check_at = None if waiting else reacted  # the next sweep sets it


def history(rng: random.Random, ticket: Ticket, rows: Rows, now: dt.datetime) -> None:
    """The filing, the conversation and the status moves, in time order up to the last update."""
    start, end = ticket.created_at, max(ticket.updated_at, ticket.created_at)
    requester, agent = ticket.requester_id, ticket.assignee_id
    rows.events.append(
        TicketEvent(
            ticket_id=ticket.pk,
            actor_id=requester,
            kind=TicketEvent.Kind.CREATED,
            channel=ticket.channel,
            created_at=start,
        )
    )
    moments = sorted(start + (end - start) * rng.random() for _ in range(rng.randrange(1, 8)))
    for n, moment in enumerate(moments):
        author = agent if agent is not None and n % 2 == 0 else requester
        by_agent = author != requester
        internal = by_agent and rng.random() < 0.2
        rows.comments.append(
            Comment(
                ticket_id=ticket.pk,
                author_id=author,
                body=rng.choice(ANSWERS),
                is_public=not internal,
                channel=Channel.WEB if by_agent else ticket.channel,
                created_at=moment,
            )
        )
    old: str = Status.NEW
    for n, status in enumerate(PATHS[ticket.status]):
        moment = start + (end - start) * (n / 4)
        if n == 0 and ticket.first_reaction_at is not None:
            moment = ticket.first_reaction_at
        rows.events.append(
            TicketEvent(
                ticket_id=ticket.pk,
                actor_id=agent,
                kind=TicketEvent.Kind.STATUS_CHANGED,
                channel=Channel.WEB,
                field="status",
                old_value=old,
                new_value=status,
                created_at=min(moment, now),
            )
        )
        old = status


def files_and_work(rng: random.Random, ticket: Ticket, rows: Rows) -> None:
    if rng.random() < 0.15:
        rows.attachments.append(
            Attachment(
                ticket_id=ticket.pk,
                uploaded_by_id=ticket.requester_id,
                file=f"attachments/{ticket.pk}/log.txt",
                filename="log.txt",
                content_type="text/plain",
                size=rng.randrange(200, 500_000),
                created_at=ticket.created_at,
            )
        )
    if ticket.assignee_id is None or ticket.status not in (Status.RESOLVED, Status.CLOSED):
        return
    for _ in range(rng.randrange(0, 3)):
        minutes = rng.choice([15, 30, 45, 60, 90, 120])
        started = ticket.created_at + dt.timedelta(minutes=rng.randrange(10, 600))
        rows.worklogs.append(
            WorkLog(
                ticket_id=ticket.pk,
                contract_id=ticket.contract_id,
                agent_id=ticket.assignee_id,
                activity=rng.choice(list(Activity)),
                started_at=started,
                ended_at=started + dt.timedelta(minutes=minutes),
                description="Investigation and fix",
                business_seconds=minutes * 60,
                billed_business_minutes=minutes,
                created_at=started,
                updated_at=started,
            )
        )
