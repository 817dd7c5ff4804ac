"""The search box: a ticket number opens the ticket; words list what matches, best first,
with the passage that matched."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from secondline.accounts.requests import SignedInRequest
from secondline.portal.views.ticket_list import paginate
from secondline.search import queries


@login_required
@require_GET
def search(request: SignedInRequest) -> HttpResponse:
    user = request.user
    text = request.GET.get("q", "")[: queries.MAX_QUERY_CHARS].strip()
    ticket = queries.ticket_by_number(user, text) if text else None
    if ticket is not None:
        return redirect(ticket)
    page = paginate(request, queries.search(user, text)) if text else None
    found = queries.snippets(user, list(page.object_list), text) if page else {}
    rows = [(ticket, found.get(ticket.pk)) for ticket in page.object_list] if page else []
    return render(
        request,
        "portal/search.html",
        {
            "q": text,
            "page": page,
            "rows": rows,
            "query": urlencode({"q": text}) if text else "",
            "capped": page is not None and page.paginator.count >= queries.CANDIDATES,
            "nav": "search",
        },
    )
