"""The ticket list: customers see their organisation's tickets, staff see all they may; filters,
sorting and pagination shared with the agent desk."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from secondline.accounts.requests import SignedInRequest
from secondline.common.ids import row_id
from secondline.portal import queries
from secondline.search.queries import sees_internal
from secondline.tickets.access import (
    tickets_visible_to,
)
from secondline.tickets.choices import Priority, Status, TicketType
from secondline.tickets.models import Ticket

PAGE_SIZE = 25
# A list counts and pages through at most this many tickets (40 pages), as GitHub's searches
# do: counting years of history would read every ticket of it for each page, and a deep page
# reads every row before it; beyond the cap, filters and sorts reach the rest.
COUNT_CAP = 1_000


def chosen_sort(request: HttpRequest, default: str) -> str:
    """The sort asked for; a text search without one sorts by relevance."""
    sort = request.GET.get("sort", "")
    if sort in queries.SORTS:
        return sort
    return "relevance" if request.GET.get("q", "").strip() else default


# The status filter's values: each state, and the groups of the open and the finished ones.
STATUS_FILTERS = frozenset({"open", "finished", *Status.values})


def _known(value: str, values: list[str]) -> str:
    return value if value in values else ""


def list_filter(
    request: SignedInRequest, default_status: str = "", default_sort: str = "updated"
) -> queries.TicketFilter:
    """The list's filter from the query string; what it cannot use is left out."""
    get = request.GET
    organization = row_id(get.get("organization"))
    status = get.get("status", default_status)
    return queries.TicketFilter(
        # an unknown value (an old bookmark, a typo) would match nothing: the list shows all
        status=status if status in STATUS_FILTERS else default_status,
        type=_known(get.get("type", ""), TicketType.values),
        priority=_known(get.get("priority", ""), Priority.values),
        q=get.get("q", "")[:200],
        sort=chosen_sort(request, default_sort),
        organization=str(organization) if organization else "",
        internal=sees_internal(request.user),
    )


class CappedPaginator(Paginator):
    """Pages of a list counted up to ``COUNT_CAP`` tickets: the count reads at most that many
    rows, unsorted, whatever the size of the table."""

    @cached_property
    def count(self) -> int:
        rows = cast("QuerySet[Any]", self.object_list)
        return rows.order_by()[: COUNT_CAP + 1].count()

    @property
    def capped(self) -> bool:
        """More tickets than the pages reach."""
        return self.count > COUNT_CAP

    @cached_property
    def num_pages(self) -> int:
        return super().num_pages if not self.capped else COUNT_CAP // PAGE_SIZE


def paginate(request: HttpRequest, tickets: QuerySet[Ticket], capped: bool = False) -> Any:
    """One page of tickets: sort and slice on the bare ids, then fetch that page's rows with
    everything a row shows (a narrow sort is several times faster on a large table). A capped
    list (the desk's queues, a customer's tickets) counts at most ``COUNT_CAP`` tickets."""
    paginator = CappedPaginator if capped else Paginator
    page = paginator(tickets.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    ids = list(page.object_list)
    rows = queries.for_listing(Ticket.objects.filter(pk__in=ids)).in_bulk()
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


def query_without(request: HttpRequest, *names: str) -> str:
    """The page's query string less ``names`` (a sort link replaces the sort, a page link the
    page)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def filter_choices() -> dict[str, Any]:
    return {
        "status_choices": [
            ("open", _("All open")),
            ("finished", _("Resolved, closed or declined")),
            *Status.choices,
        ],
        "type_choices": TicketType.choices,
        "priority_choices": Priority.choices,
    }


@login_required
@require_GET
def ticket_list(request: SignedInRequest) -> HttpResponse:
    """The organisation's tickets with filters, text search and sorting."""
    user = request.user
    if user.is_contractor:
        return redirect("portal:queue")
    spec = list_filter(request)
    page = paginate(request, queries.filtered(tickets_visible_to(user), spec), capped=True)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/ticket_list.html",
        {
            "page": page,
            "spec": spec,
            "query": query.urlencode(),
            "sort_query": query_without(request, "page", "sort"),
            "nav": "tickets",
            **filter_choices(),
        },
    )
