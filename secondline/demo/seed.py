"""Realistic volume on demand: ``secondline seed --tickets N --organizations M --agents K``.

Unlike the demo data, which goes through the service layer ticket by ticket, the seed writes
rows in bulk (``bulk_create`` of 5,000 tickets and their rows, one transaction per batch) so
that half a million tickets take minutes, not days. The rows look like years of real work: most
tickets resolved or closed, a recent few still open with running SLA clocks (deadlines from the
pure calendar, set before the insert), conversations with internal notes, audit trails,
attachment rows (the files themselves are not written), and work logs. Their search documents
are built at the end by the search's bulk builder (``search.documents.rebuild``: a few reads and
writes per 2,000 tickets, the full-text indexes built once), so the tickets are findable as filed
ones are. Rows refer to each other by key (``ticket_id=``), not by instance: half the time of a
bulk insert is Django preparing values, and a related instance costs a descriptor per row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, connections, models, transaction
from django.utils import timezone

from secondline.accounts.models import Contract, Organization, User
from secondline.billing.models import Activity, WorkLog
from secondline.search import documents
from secondline.sla import services as sla
from secondline.sla.clock import State
from secondline.sla.models import SLAPlan, WorkingCalendar
from secondline.tickets.choices import Channel, Priority, Status, TicketType
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent

SEED_PASSWORD = "seed-pass-2026"
BATCH = 5000  # tickets per transaction; their comments and events go in statements of as many
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
class SeedReport:
    tickets: int = 0
    comments: int = 0
    events: int = 0
    attachments: int = 0
    worklogs: int = 0
    organizations: int = 0
    agents: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def add(self, other: SeedReport) -> None:
        """Count the rows another process wrote too."""
        for name in ("tickets", "comments", "events", "attachments", "worklogs"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for status, n in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0) + n


@dataclass
class Cast:
    """Who the seeded tickets are between."""

    agents: list[User]
    contracts: list[tuple[Contract, list[User]]]


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@contextlib.contextmanager
def historical_dates() -> Iterator[None]:
    """Let ``bulk_create`` keep the dates we give instead of stamping "now" on auto fields."""
    auto_fields = [
        f
        for model in (Ticket, Comment, Attachment, TicketEvent, WorkLog)
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in auto_fields]
    for f in auto_fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def cast(organizations: int, agents: int) -> Cast:
    """The contractor's agents and the customers with a contract and three people each;
    found again (by name) when the seed runs a second time."""
    calendar = WorkingCalendar.objects.order_by("pk").first()
    plan = SLAPlan.objects.order_by("pk").first()
    if calendar is None or plan is None:
        raise ValueError("no business calendar or SLA plan: run `secondline migrate` first")
    password = make_password(SEED_PASSWORD)
    contractor, _ = Organization.objects.get_or_create(
        name="Seed Support", defaults={"kind": Organization.Kind.CONTRACTOR}
    )
    staff = [
        _person(f"seed.agent{i}", contractor, User.Role.AGENT, password) for i in range(agents)
    ]
    _person("seed.manager", contractor, User.Role.MANAGER, password)
    contracts = []
    for i in range(organizations):
        customer, _ = Organization.objects.get_or_create(
            name=f"Seed Customer {i:04d}",
            defaults={"kind": Organization.Kind.CUSTOMER, "email_domains": f"c{i}.example"},
        )
        contract, _ = Contract.objects.get_or_create(
            number=f"SEED-{i:04d}",
            defaults={
                "customer": customer,
                "starts_on": dt.date(2020, 1, 1),
                "calendar": calendar,
                "sla_plan": plan,
                "hourly_rate": Decimal("4500.00"),
                "currency": "RUB",
            },
        )
        roles = [
            User.Role.CUSTOMER_RESPONSIBLE,
            User.Role.CUSTOMER_MEMBER,
            User.Role.CUSTOMER_MEMBER,
        ]
        people = [
            _person(f"seed.c{i}.{n}", customer, role, password) for n, role in enumerate(roles)
        ]
        contracts.append((contract, people))
    return Cast(agents=staff, contracts=contracts)


def _person(username: str, organization: Organization, role: str, password: str) -> User:
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@seed.example",
            "organization": organization,
            "role": role,
            "password": password,
            "is_staff": role == User.Role.MANAGER,
        },
    )
    return user


def seed(
    tickets: int,
    organizations: int,
    agents: int,
    years: int = 3,
    random_seed: int = 1,
    progress: bool = False,
    open_share: float = OPEN_SHARE,
    jobs: int = 1,
) -> SeedReport:
    """Add ``tickets`` tickets with their conversations, history and work logs; about
    ``open_share`` of them still open (0: history only). ``jobs`` processes write the rows
    side by side (each with its own connection; not inside a transaction), then the search
    documents are built once for all."""
    people = cast(organizations, agents)
    before = Ticket.objects.aggregate(last=models.Max("pk"))["last"] or 0
    now = timezone.now()
    jobs = 1 if connection.in_atomic_block else max(1, min(jobs, tickets // BATCH))
    parts = [
        _Part(
            tickets=tickets // jobs + (n < tickets % jobs),
            random_seed=random_seed + 1000 * n,
            people=people,
            mix=(years, open_share),
            now=now,
            progress=progress,
        )
        for n in range(jobs)
    ]
    if jobs == 1:
        written = [_write(parts[0])]
    else:
        connections.close_all()  # a forked process must not share the parent's connection
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            written = pool.map(_write, parts)
    report = SeedReport(organizations=organizations, agents=agents)
    for part_report in written:
        report.add(part_report)
    # findable, as a filed ticket is; many at once build the full-text indexes once, at the end
    documents.rebuild(Ticket.objects.filter(pk__gt=before))
    return report


@dataclass
class _Part:
    """What one process writes."""

    tickets: int
    random_seed: int
    people: Cast
    mix: tuple[int, float]  # years of dates, the share still open
    now: dt.datetime
    progress: bool


def _write(part: _Part) -> SeedReport:
    rng = random.Random(part.random_seed)
    report = SeedReport()
    with historical_dates():
        for start in range(0, part.tickets, BATCH):
            count = min(BATCH, part.tickets - start)
            with transaction.atomic():
                _batch(rng, part.people, count, part.mix, part.now, report)
            if part.progress:
                print(f"  {report.tickets} tickets", flush=True)
    return report


@dataclass
class _Rows:
    """The rows of one batch that hang off its tickets."""

    comments: list[Comment] = field(default_factory=list)
    events: list[TicketEvent] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    worklogs: list[WorkLog] = field(default_factory=list)


def _batch(
    rng: random.Random,
    people: Cast,
    count: int,
    mix: tuple[int, float],
    now: dt.datetime,
    report: SeedReport,
) -> None:
    tickets = Ticket.objects.bulk_create(
        [_ticket(rng, people, mix, now) for _ in range(count)], batch_size=BATCH
    )
    rows = _Rows()
    for ticket in tickets:
        _history(rng, ticket, rows, now)
        _files_and_work(rng, ticket, rows)
        report.by_status[ticket.status] = report.by_status.get(ticket.status, 0) + 1
    Comment.objects.bulk_create(rows.comments, batch_size=BATCH)
    TicketEvent.objects.bulk_create(rows.events, batch_size=BATCH)
    Attachment.objects.bulk_create(rows.attachments, batch_size=BATCH)
    WorkLog.objects.bulk_create(rows.worklogs, batch_size=BATCH)
    report.tickets += len(tickets)
    report.comments += len(rows.comments)
    report.events += len(rows.events)
    report.attachments += len(rows.attachments)
    report.worklogs += len(rows.worklogs)


def _ticket(rng: random.Random, people: Cast, mix: tuple[int, float], now: dt.datetime) -> Ticket:
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


def _history(rng: random.Random, ticket: Ticket, rows: _Rows, now: dt.datetime) -> None:
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


def _files_and_work(rng: random.Random, ticket: Ticket, rows: _Rows) -> None:
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
