"""Merge and link on the ticket page (contractor staff): the forms posted from it. What the
page shows of a ticket's merges and related tickets is ``panels.relations``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.accounts.requests import SignedInRequest, staff_member
from secondline.common.ids import row_named
from secondline.portal.forms import LinkForm, MergeForm
from secondline.portal.views.ticket_page import act, load_ticket
from secondline.search.queries import ticket_by_number
from secondline.tickets import links, merging
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.models import Ticket


def _other(user: User, number: str, field: str) -> Ticket:
    """The ticket ``number`` names, if this user may see it; otherwise the field's error."""
    other = ticket_by_number(user, number.strip())
    if other is None:
        raise ValidationError({field: [_("No such ticket.")]})
    return other


@login_required
@require_POST
def ticket_merge(request: SignedInRequest, pk: int) -> HttpResponse:
    """Merge this ticket (the duplicate) into the one the form names (tickets/merging.py)."""
    user = staff_member(request)

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        merging.merge_tickets(ticket, _other(user, data["original"], "original"), user)

    done = _("The ticket is merged; its requester has been told.")
    return act(request, pk, "merge", MergeForm(request.POST), action, done)


@login_required
@require_POST
def ticket_links(request: SignedInRequest, pk: int) -> HttpResponse:
    """Link a related ticket (the form), or remove a link (``remove``: the other's id)."""
    user = staff_member(request)
    remove = request.POST.get("remove", "")
    if not remove:

        def action(ticket: Ticket, data: dict[str, Any]) -> None:
            links.link_tickets(ticket, _other(user, data["ticket"], "ticket"), user)

        return act(request, pk, "link", LinkForm(request.POST), action, _("Related ticket linked."))
    ticket = load_ticket(request, pk)
    other = row_named(tickets_visible_to(user), remove)
    try:
        if other is None:
            raise ValidationError(_("No such ticket."))
        links.unlink_tickets(ticket, other, user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except access.AccessDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Link to %(number)s removed.") % {"number": other.number})
    return redirect("portal:ticket_detail", pk=ticket.pk)
