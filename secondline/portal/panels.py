"""What the other apps add to the ticket page: time and out-of-hours work (billing), the SLA
explanation (sla), the update plan and the duty call-out (releases), canned replies and
macros (replies).

Each function reads through the owning app's access helpers and returns plain context; the
ticket page's template includes the owning app's fragments where there is one.
"""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import HttpRequest

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import User
from secondline.billing import access as billing_access
from secondline.billing import views as billing_views
from secondline.billing.models import OutOfHoursRequest
from secondline.portal.forms import LinkForm, MergeForm, PhoneCallForm
from secondline.releases import duty
from secondline.releases.access import plans_visible_to
from secondline.releases.models import DutyCallout, PhoneCall
from secondline.replies.services import macros_for, replies_for
from secondline.sla import services as sla_services
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.choices import TicketType
from secondline.tickets.links import related_tickets
from secondline.tickets.models import Ticket
from secondline.tickets.urgent import is_urgent_incident


def worklogs(request: HttpRequest, ticket: Ticket) -> dict[str, Any]:
    """Billing's work-log fragment: the agent logs time from the ticket page (``t`` focuses
    the duration), the customer sees the hours of the ticket."""
    context = billing_views.worklog_context(request, ticket)
    duration = context["form"].fields["duration"].widget
    # The ticket page keeps the keyboard for its shortcuts; ``t`` jumps to the duration.
    duration.attrs.pop("autofocus", None)
    duration.attrs.update({"data-shortcut": "t", "aria-keyshortcuts": "t"})
    return {"worklog": context}


def replies(user: User) -> dict[str, Any]:
    """The canned replies and macros the agent may use on the ticket page (replies app)."""
    return {"canned_replies": list(replies_for(user)), "macros": list(macros_for(user))}


def out_of_hours_requests(user: User, ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's out-of-hours requests, each with whether this user decides it now.

    Contract rule: work outside business hours is billed at double rate only when both
    parties have verified it; billing.access says who approves for which side.
    """
    rows = []
    requests = (
        billing_access.requests_visible_to(user)
        .filter(ticket=ticket)
        .select_related("ticket", "raised_by")
        .order_by("-created_at")
    )
    for request in requests:
        try:
            side = billing_access.approver_side(user, request)
        except AccessDenied:
            side = ""
        rows.append(
            {
                "req": request,
                "can_decide": bool(side)
                and request.status == OutOfHoursRequest.Status.PENDING
                and not request.decision_of(side),
            }
        )
    return rows


def sla_explanation(ticket: Ticket) -> str:
    """Why the reaction is due when it is, day by day, in the active language."""
    return sla_services.explanation(ticket)


def update_plan(user: User, ticket: Ticket) -> Any:
    if ticket.type != TicketType.UPDATE_INSTALLATION:
        return None
    return plans_visible_to(user).filter(ticket=ticket).first()


def urgent_desk(user: User, ticket: Ticket, form: Form | None = None) -> dict[str, Any]:
    """For the contractor's staff on an Urgent incident: the duty call-out's state, the calls
    recorded and the form to record the customer's call."""
    if not user.is_contractor or not is_urgent_incident(ticket):
        return {}
    callout = DutyCallout.objects.filter(ticket=ticket).select_related("acknowledged_by").first()
    alerts = (
        list(callout.alerts.select_related("engineer").order_by("created_at")) if callout else []
    )
    return {
        "callout": callout,
        "alerts": alerts,
        "calls": PhoneCall.objects.filter(ticket=ticket).select_related("agent"),
        "phone_form": form or PhoneCallForm(),
        "out_of_hours": duty.is_out_of_hours(ticket),
    }


def relations(user: User, ticket: Ticket, forms: dict[str, Form]) -> dict[str, Any]:
    """The ticket's merges and related tickets as ``user`` may see them (tickets/merging.py,
    tickets/links.py), and the staff's merge and link forms."""
    visible = tickets_visible_to(user)
    found: dict[str, Any] = {
        "merged_into": visible.filter(pk=ticket.merged_into_id).first()
        if ticket.merged_into_id
        else None,
        "merged_from": list(visible.filter(merged_into=ticket).order_by("pk")),
        "related": list(related_tickets(user, ticket)),
    }
    if user.is_contractor:
        found["merge_form"] = forms.get("merge") or MergeForm()
        found["link_form"] = forms.get("link") or LinkForm()
    return found
