"""Realistic volume on demand: ``secondline seed --tickets N --organizations M --agents K``.

Unlike the demo data, which goes through the service layer ticket by ticket, the seed writes
rows in bulk (``bulk_create`` of 5,000 tickets and their rows, one transaction per batch) so
that half a million tickets take minutes, not days. The rows look like years of real work: most
tickets resolved or closed, a recent few still open with running SLA clocks (deadlines from the
pure calendar, set before the insert), conversations with internal notes, audit trails,
attachment rows (the files themselves are not written), and work logs. Their search documents
are built at the end by the search's bulk builder (``search.documents.rebuild``: a few reads and
writes per 2,000 tickets, the full-text indexes built once), so the tickets are findable as filed
ones are. What each ticket carries is drawn in ``seed_rows``.
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
from secondline.billing.models import WorkLog
from secondline.demo import seed_rows
from secondline.demo.seed_rows import OPEN_SHARE, Cast
from secondline.search import documents
from secondline.sla.models import SLAPlan, WorkingCalendar
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent

SEED_PASSWORD = "seed-pass-2026"
BATCH = 5000  # tickets per transaction; their comments and events go in statements of as many


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


def _batch(
    rng: random.Random,
    people: Cast,
    count: int,
    mix: tuple[int, float],
    now: dt.datetime,
    report: SeedReport,
) -> None:
    tickets = Ticket.objects.bulk_create(
        [seed_rows.ticket(rng, people, mix, now) for _ in range(count)], batch_size=BATCH
    )
    rows = seed_rows.Rows()
    for ticket in tickets:
        seed_rows.history(rng, ticket, rows, now)
        seed_rows.files_and_work(rng, ticket, rows)
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
