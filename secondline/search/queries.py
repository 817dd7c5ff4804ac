"""Search the tickets a person may see: ranked, by word forms, with snippets.

Who sees which ticket is ``tickets.access``'s answer; internal notes and files are searched for
those who see them there (the contractor's staff), never for a customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)

from secondline.accounts.models import User
from secondline.search import text
from secondline.search.models import TicketDocument, TicketIndex, TicketVector
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.models import Ticket

NUMBER_RE = re.compile(r"^\s*(?:SL-?)?(\d{1,12})\s*$", re.IGNORECASE)
# A search ranks at most this many matches, the most recently filed (SQLite: the best by bm25).
CANDIDATES = 200
# Up to this many tickets to search among, each is looked up (a subquery per ticket, which the
# planner cannot turn into a join walking the whole vector table).
FEW_TICKETS = 5000
# Among more, the newest ids are searched in slices: this many ids first, then each slice this
# many times wider (200,000 tickets: at most four slices).
FIRST_SLICE = 2000
SLICE_GROWTH = 8
MAX_QUERY_CHARS = 200


def sees_internal(user: User) -> bool:
    return bool(user.is_contractor)


def ticket_by_number(user: User, query: str) -> Ticket | None:
    """The ticket ``SL-123`` or ``123`` names, when this user may see it."""
    found = NUMBER_RE.match(query)
    if not found or int(found.group(1)) >= 2**62:
        return None
    return tickets_visible_to(user).filter(pk=int(found.group(1))).first()


def _pg_query(query: str) -> SearchQuery:
    words = text.plain(query)
    return SearchQuery(words, config="russian") | SearchQuery(words, config="english")


def ranked(tickets: QuerySet[Ticket], query: str, internal: bool) -> QuerySet[Ticket]:
    """``tickets`` that match ``query``, best first (annotated with ``search_rank``)."""
    query = query[:MAX_QUERY_CHARS]
    if not text.words(query):  # punctuation alone: nothing to find, and still sortable by rank
        return tickets.none().annotate(search_rank=Value(0, output_field=IntegerField()))
    if connection.vendor == "postgresql":
        column = "vector" if internal else "public_vector"
        search = _pg_query(query)
        newest = _newest_matches(tickets, column, search)
        return (
            tickets.filter(pk__in=newest)
            .annotate(search_rank=SearchRank(F(f"search_vector__{column}"), search))
            .order_by("-search_rank", "-pk")
        )
    condition = text.fts5_query(query)
    if not internal:
        condition = "{subject people public} : (" + condition + ")"
    hits = list(
        TicketIndex.objects.filter(fts__match=condition, rowid__in=tickets.values("pk"))
        .order_by("rank")
        .values_list("rowid", flat=True)[:CANDIDATES]
    )
    order = Case(
        *(When(pk=pk, then=Value(-position)) for position, pk in enumerate(hits)),
        output_field=IntegerField(),
    )
    return tickets.filter(pk__in=hits).annotate(search_rank=order).order_by("-search_rank")


def _newest_matches(tickets: QuerySet[Ticket], column: str, search: SearchQuery) -> list[int]:
    """The ids of the ``CANDIDATES`` most recently filed of ``tickets`` that match (PostgreSQL).

    Ranking reads every candidate's vector, so only the newest matches are ranked; finding
    them must not read every match either. Among few tickets (a queue: the open ones), each is
    looked up newest first. Among many, the newest ids are searched in slices, each
    ``SLICE_GROWTH`` times wider than the last, until enough are found: a common word stops in
    the first slice, a rare one reads the GIN index's few matches. Either way the work follows
    the candidates, not the size of the table (docs/benchmarks.md, Search).
    """
    if tickets.order_by()[: FEW_TICKETS + 1].count() <= FEW_TICKETS:
        probe = TicketVector.objects.filter(pk=OuterRef("pk"), **{column: search})
        hit = Subquery(probe.values("pk")[:1])
        recent = tickets.alias(hit=hit).filter(hit__isnull=False).values_list("pk", flat=True)
        return list(recent.order_by("-pk")[:CANDIDATES])
    found: list[int] = []
    high = Ticket.objects.aggregate(top=Max("pk"))["top"] or 0
    width = FIRST_SLICE
    while high > 0 and len(found) < CANDIDATES:
        low = max(high - width, 0)
        # By ``filed``, never the primary key: the GIN index's matches, filtered by id (by the
        # key, the planner would walk the ids and read each vector from TOAST).
        matching = TicketVector.objects.filter(filed__gt=low, filed__lte=high, **{column: search})
        in_slice = tickets.filter(pk__in=matching.values("filed")).values_list("pk", flat=True)
        in_slice = in_slice.order_by("-pk")
        found += in_slice[: CANDIDATES - len(found)]
        high, width = low, width * SLICE_GROWTH
    return found


def search(user: User, query: str) -> QuerySet[Ticket]:
    """What ``user``'s search box finds, best first."""
    return ranked(tickets_visible_to(user), query, internal=sees_internal(user))


@dataclass(frozen=True)
class Snippet:
    where: str  # "subject", "people", "text" or "internal"
    pieces: list[text.Piece]


def snippets(user: User, tickets: list[Ticket], query: str) -> dict[int, Snippet]:
    """The highlighted passage that made each ticket match, for the tickets of one page."""
    fields = ["ticket_id", "subject", "people", "public_text"]
    if sees_internal(user):
        fields.append("staff_text")
    documents = TicketDocument.objects.filter(ticket__in=[t.pk for t in tickets]).only(*fields)
    found: dict[int, Snippet] = {}
    for document in documents:
        for where, field in (
            ("text", "public_text"),
            ("internal", "staff_text"),
            ("people", "people"),
            ("subject", "subject"),
        ):
            if field not in fields:
                continue
            pieces = text.snippet(getattr(document, field), query)
            if pieces:
                found[document.ticket_id] = Snippet(where, pieces)
                break
    return found
