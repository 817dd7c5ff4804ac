"""The agent desk: queues sorted by reaction due time, bulk actions and the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from secondline.accounts import access
from secondline.accounts.models import Organization, User
from secondline.accounts.requests import HtmxRequest, SignedInRequest
from secondline.portal import presenters, queries
from secondline.portal.forms import BulkForm, staff_choices
from secondline.portal.views.common import safe_next
from secondline.portal.views.ticket_list import (
    filter_choices,
    list_filter,
    paginate,
    query_without,
)
from secondline.search import saved
from secondline.tickets import services
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.choices import SETTABLE_STATUSES
from secondline.tickets.models import Ticket

View = Callable[..., HttpResponse]


def contractor_only(view: View) -> View:
    """Desk pages belong to the contractor's staff; a customer is sent to their own tickets."""

    @wraps(view)
    def wrapper(request: HtmxRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not isinstance(request.user, User):  # signed out
            if request.htmx:
                # a polled fragment after the session expired: reload the whole page to sign in
                response = HttpResponse(status=204)
                response["HX-Redirect"] = f"{reverse('login')}?next={reverse('portal:queue')}"
                return response
            return redirect_to_login(request.get_full_path())
        if not request.user.is_contractor:
            return redirect("portal:ticket_list")
        return view(request, *args, **kwargs)

    return wrapper


def _queue_slug(request: HttpRequest) -> str:
    slug = request.GET.get("queue", "unassigned")
    return slug if slug in queries.QUEUE_BY_SLUG else "unassigned"


def _queue_tickets(request: SignedInRequest, slug: str) -> Any:
    user = request.user
    # Finished tickets have no deadline ahead: the latest finished first (an index serves it)
    finished = request.GET.get("status", "") in queries.FINISHED_FILTERS
    spec = list_filter(request, default_sort="updated" if finished else "due")

    tickets = tickets_visible_to(user)
    if slug != "all" or spec.status in ("", "open"):
        tickets = tickets.filter(queries.queue_condition(slug, user, timezone.now()))
    return spec, queries.filtered(tickets, spec)


def _tabs(request: SignedInRequest) -> list[tuple[queries.Queue, int]]:
    counts = queries.queue_counts(request.user)
    return [(queue, counts[queue.slug]) for queue in queries.QUEUES]


@contractor_only
@require_GET
def queue(request: SignedInRequest) -> HttpResponse:
    slug = _queue_slug(request)
    spec, tickets = _queue_tickets(request, slug)
    page = paginate(request, tickets, capped=True)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/queue.html",
        {
            "tabs": _tabs(request),
            "current": queries.QUEUE_BY_SLUG[slug],
            "nav": "queue",
            "page": page,
            "spec": spec,
            "query": query.urlencode(),
            "sort_query": query_without(request, "page", "sort"),
            "saved_views": saved.views_for(request.user),
            "view_query": query_without(request, "page"),
            "staff": staff_choices(),
            "organizations": Organization.objects.filter(kind=Organization.Kind.CUSTOMER),
            "bulk_statuses": SETTABLE_STATUSES,
            "sla_labels": presenters.SLA_LABELS,
            **filter_choices(),
        },
    )


@contractor_only
@require_GET
def queue_counts(request: SignedInRequest) -> HttpResponse:
    """The queue tabs' counts; the queue page polls this fragment every 30 seconds."""
    return render(
        request,
        "portal/includes/queue_tabs.html",
        {
            "tabs": _tabs(request),
            "current": queries.QUEUE_BY_SLUG[_queue_slug(request)],
        },
    )


@contractor_only
@require_POST
def bulk(request: SignedInRequest) -> HttpResponse:
    """Assign or move several tickets, each through the service, in one transaction.

    A ticket the rules refuse is reported by number and left as it was; the others change.
    """
    user = request.user
    back = safe_next(request, default=reverse("portal:queue"))
    form = BulkForm(request.POST, tickets=tickets_visible_to(user))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    data = form.cleaned_data
    done, failed = [], []
    with transaction.atomic():
        for ticket in data["tickets"]:
            try:
                with transaction.atomic():
                    _bulk_one(ticket, user, data)
            except (ValidationError, access.AccessDenied) as exc:
                failed.append((ticket, _first_message(exc)))
            else:
                done.append(ticket)
    if done:
        messages.success(
            request,
            _("Changed: %(numbers)s.") % {"numbers": ", ".join(t.number for t in done)},
        )
    for ticket, reason in failed:
        messages.error(
            request,
            _("%(number)s was not changed: %(reason)s")
            % {"number": ticket.number, "reason": reason},
        )
    return redirect(back)


def _bulk_one(ticket: Ticket, user: User, data: dict[str, Any]) -> None:
    if data["action"] == "assign":
        services.assign(ticket, user, data.get("assignee"))
    else:
        services.change_status(ticket, user, data["status"])


def _first_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@contractor_only
@require_POST
def save_view(request: SignedInRequest) -> HttpResponse:
    """Keep the queue's current filters and sort under a name (shared if asked)."""
    query = request.POST.get("query", "")
    try:
        view = saved.save_view(
            request.user,
            request.POST.get("name", ""),
            query,
            shared=bool(request.POST.get("shared")),
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(f"{reverse('portal:queue')}?{saved.clean_query(query)}")
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(f"{reverse('portal:queue')}?{view.query}")


@contractor_only
@require_POST
def delete_view(request: SignedInRequest, pk: int) -> HttpResponse:
    view = saved.views_for(request.user).filter(pk=pk).first()
    if view is None:
        raise Http404
    try:
        saved.delete_view(request.user, view)
    except access.AccessDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("portal:queue")


@contractor_only
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    user = request.user
    bars = queries.sla_by_day(user)
    peak = max((bar.total for bar in bars), default=0) or 1
    by_sla = queries.open_by_sla_state(user)
    return render(
        request,
        "portal/dashboard.html",
        {
            "by_status": [
                (status, presenters.status_label(status), n)
                for status, n in queries.open_by_status(user)
            ],
            "by_sla": [
                (state, presenters.SLA_LABELS[state], by_sla.get(state, 0))
                for state in ("on_track", "at_risk", "breached", "late", "paused", "met")
            ],
            "breaches": queries.breaches_today(user),
            "chart": _chart(bars, peak),
            "chart_states": [(s, presenters.SLA_LABELS[s]) for s in queries.CHART_STATES],
            "bars": bars,
            "sla_labels": presenters.SLA_LABELS,
            "nav": "dashboard",
        },
    )


CHART_HEIGHT = 160
BAR_WIDTH = 18
BAR_GAP = 6


def _chart(bars: list[queries.DayBar], peak: int) -> dict[str, Any]:
    """Stacked bars as SVG rectangles: one column per day, one rectangle per SLA state."""
    columns = []
    for index, bar in enumerate(bars):
        x = index * (BAR_WIDTH + BAR_GAP)
        y = float(CHART_HEIGHT)
        rects = []
        for state in queries.CHART_STATES:
            count = bar.counts.get(state, 0)
            if not count:
                continue
            height = count * CHART_HEIGHT / peak
            y -= height
            # SVG wants "12.5" whatever the language; a float in a template would be localised
            rects.append(
                {"state": state, "y": f"{y:.1f}", "height": f"{height:.1f}", "count": count}
            )
        columns.append({"x": x, "bar": bar, "rects": rects})
    return {
        "columns": columns,
        "width": len(bars) * (BAR_WIDTH + BAR_GAP),
        "height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
        "peak": peak,
    }
