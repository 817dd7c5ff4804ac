"""The read side of the pages: queues, filters, counts and the dashboard's figures.

Every query starts from ``tickets_visible_to`` so no page filters by organisation itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import OrderBy
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secondline.accounts.models import User
from secondline.search.queries import ranked
from secondline.sla.services import reaction_overdue
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.choices import OPEN_STATUSES, PRIORITY_RANK, Status
from secondline.tickets.models import Ticket

OPEN = list(OPEN_STATUSES)
# The status filters of finished tickets only ("finished" is all three)
FINISHED_FILTERS = frozenset({"finished", *(s for s in Status.values if s not in OPEN_STATUSES)})


def live_state(now: dt.datetime) -> Case:
    """The stored SLA state, corrected for deadlines that passed since it was stored."""
    return Case(
        When(reaction_overdue(now), then=Value("breached")),
        default=F("sla_state"),
        output_field=CharField(),
    )


@dataclass(frozen=True)
class Queue:
    slug: str
    title: object  # a lazy translation
    condition: object  # Q, or a callable of (user, now) -> Q


QUEUES = [
    Queue("unassigned", _("Unassigned"), lambda user, now: Q(assignee__isnull=True)),
    Queue("mine", _("Mine"), lambda user, now: Q(assignee=user)),
    Queue(
        "at_risk", _("At risk"), lambda user, now: Q(sla_state="at_risk") & ~reaction_overdue(now)
    ),
    Queue(
        "breached",
        _("Breached"),
        lambda user, now: (
            (Q(sla_state="breached") & Q(first_reaction_at__isnull=True)) | reaction_overdue(now)
        ),
    ),
    Queue(
        "waiting",
        _("Waiting for customer"),
        lambda user, now: Q(status=Status.WAITING_FOR_CUSTOMER),
    ),
    Queue("all", _("All open"), lambda user, now: Q()),
]
QUEUE_BY_SLUG = {queue.slug: queue for queue in QUEUES}


def queue_condition(slug: str, user: User, now: dt.datetime) -> Q:
    queue = QUEUE_BY_SLUG[slug]
    return Q(status__in=OPEN) & queue.condition(user, now)  # type: ignore[operator]


def queue_counts(user: User) -> dict[str, int]:
    """How many open tickets each queue holds, in one query."""
    now = timezone.now()
    totals = (
        tickets_visible_to(user)
        .filter(status__in=OPEN)
        .aggregate(
            **{
                queue.slug: Count("pk", filter=queue.condition(user, now))  # type: ignore[operator]
                for queue in QUEUES
            }
        )
    )
    return {slug: totals[slug] or 0 for slug in QUEUE_BY_SLUG}


@dataclass
class TicketFilter:
    """What the list pages filter and sort by; built from the request's query string."""

    status: str = ""
    type: str = ""
    priority: str = ""
    q: str = ""
    sort: str = "due"
    organization: str = ""
    internal: bool = False  # the text search looks in internal notes too (staff only)
    extra: dict[str, str] = field(default_factory=dict)


# Tickets still waiting for their first reaction come before those already answered.
AWAITING_REACTION = ExpressionWrapper(Q(first_reaction_at__isnull=False), BooleanField())
PRIORITY_ORDER = Case(
    *(When(priority=priority, then=Value(rank)) for priority, rank in PRIORITY_RANK.items()),
    output_field=IntegerField(),
)

SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "due": (AWAITING_REACTION.asc(), F("reaction_due_at").asc(nulls_last=True), "pk"),
    "priority": (PRIORITY_ORDER.asc(), F("reaction_due_at").asc(nulls_last=True), "pk"),
    "updated": ("-updated_at", "-pk"),
    "created": ("-created_at", "-pk"),
    "relevance": ("-search_rank", "-pk"),  # only with a text search
}


def filtered(tickets: QuerySet[Ticket], spec: TicketFilter) -> QuerySet[Ticket]:
    if spec.status == "open":
        tickets = tickets.filter(status__in=OPEN)
    elif spec.status == "finished":  # not "closed": that is one state of its own
        tickets = tickets.exclude(status__in=OPEN)
    elif spec.status:
        tickets = tickets.filter(status=spec.status)
    if spec.type:
        tickets = tickets.filter(type=spec.type)
    if spec.priority:
        tickets = tickets.filter(priority=spec.priority)
    if spec.organization:
        tickets = tickets.filter(organization_id=spec.organization)
    if spec.q.strip():
        tickets = ranked(tickets, spec.q, internal=spec.internal)
    elif spec.sort == "relevance":
        return tickets.order_by(*SORTS["due"])
    return tickets.order_by(*SORTS.get(spec.sort, SORTS["due"]))


def for_listing(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Everything one row of a list shows, fetched in the same query."""
    return tickets.select_related("organization", "assignee", "requester").annotate(
        live_sla_state=live_state(timezone.now())
    )


# -- dashboard -------------------------------------------------------------------------------

CHART_STATES = ["met", "on_track", "at_risk", "paused", "breached"]


@dataclass
class DayBar:
    day: dt.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def open_by_status(user: User) -> list[tuple[str, int]]:
    rows = tickets_visible_to(user).filter(status__in=OPEN).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return [(status, counts.get(status, 0)) for status in Status.values if status in OPEN]


def open_by_sla_state(user: User) -> dict[str, int]:
    """Open tickets per SLA state; a breach already answered counts as "late"."""
    state = Case(
        When(Q(sla_state="breached", first_reaction_at__isnull=False), then=Value("late")),
        default=live_state(timezone.now()),
        output_field=CharField(),
    )
    rows = (
        tickets_visible_to(user)
        .filter(status__in=OPEN)
        .annotate(state=state)
        .values("state")
        .annotate(n=Count("pk"))
    )
    return {row["state"]: row["n"] for row in rows}


def breaches_today(user: User) -> QuerySet[Ticket]:
    """Tickets whose reaction was due today and came late or has not come."""
    now = timezone.now()
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    due_today = Q(reaction_due_at__gte=start, reaction_due_at__lt=min(now, start + dt.timedelta(1)))
    late = Q(first_reaction_at__gt=F("reaction_due_at")) | Q(
        first_reaction_at__isnull=True, sla_paused_since__isnull=True
    )
    return for_listing(
        tickets_visible_to(user)
        .filter(due_today & late)
        .exclude(status=Status.DECLINED)
        .order_by("reaction_due_at")
    )


def sla_by_day(user: User, days: int = 30) -> list[DayBar]:
    """The SLA state of the tickets filed on each of the last ``days`` days."""
    today = timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time()))
    rows = (
        tickets_visible_to(user)
        .filter(created_at__gte=start)
        .exclude(status=Status.DECLINED)
        .annotate(day=TruncDate("created_at"), state=live_state(timezone.now()))
        .values("day", "state")
        .annotate(n=Count("*"))  # not the key: the covering index alone answers (no row read)
    )
    bars = {
        first + dt.timedelta(days=i): DayBar(first + dt.timedelta(days=i), {}) for i in range(days)
    }
    for row in rows:
        bar = bars.get(row["day"])
        if bar is not None and row["state"] in CHART_STATES:
            bar.counts[row["state"]] = bar.counts.get(row["state"], 0) + row["n"]
    return list(bars.values())
