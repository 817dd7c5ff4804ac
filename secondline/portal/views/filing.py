"""Filing a ticket: the new-ticket form whose fields follow the type, and the Urgent incident
page that follows filing one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from secondline.accounts import access
from secondline.accounts.models import Contract, User
from secondline.accounts.requests import SignedInRequest
from secondline.common.forms import apply_errors
from secondline.portal import presenters
from secondline.portal.forms import (
    NewTicketForm,
)
from secondline.portal.views.common import submitted, uploads
from secondline.releases import duty
from secondline.releases.models import DutyCallout
from secondline.releases.urgent import instructions_for
from secondline.sla.models import SLAPlan
from secondline.tickets import services, submissions, urgent
from secondline.tickets.access import (
    get_ticket_for,
)
from secondline.tickets.choices import TicketType
from secondline.tickets.models import Ticket


def _reaction_targets(user: User) -> dict[str, str]:
    """The reaction target as words, from the customer's SLA plan: per incident priority, and
    per other ticket type (those get the plan's priority)."""
    try:
        plan: SLAPlan = access.filing_contract(user).sla_plan
    except access.NotAContact:
        return {}
    targets = {}
    for target in plan.targets.all():
        words = presenters.business_duration(target.reaction_minutes)
        if target.ticket_type == TicketType.INCIDENT and target.priority:
            targets[target.priority] = words
        elif target.ticket_type != TicketType.INCIDENT:
            targets.setdefault(target.ticket_type, words)
    return targets


def _active_contracts(user: User) -> QuerySet[Contract]:
    active = Contract.objects.active().values_list("pk", flat=True)
    return access.contracts_visible_to(user).filter(pk__in=list(active))


def _new_ticket_page(
    request: SignedInRequest, form: NewTicketForm, status: int = 200
) -> HttpResponse:
    """The form's whole page, or only its fields for htmx."""
    user = request.user
    template = "portal/new_ticket_fields.html" if request.htmx else "portal/new_ticket.html"
    contracts = form.fields["contract"].queryset  # type: ignore[attr-defined]
    targets = _reaction_targets(user)
    several_contracts = contracts.count() > 1
    context = {
        "form": form,
        "priority_options": form.priority_options(targets),
        "type_target": targets.get(form.chosen_type, ""),
        "several_contracts": several_contracts,
        "unshown_errors": form.unshown_errors(choose_contract=several_contracts),
        "files_lost": bool(request.FILES) and form.errors,
        "nav": "new",
    }
    return render(request, template, context, status=status)


def _refusal(request: SignedInRequest) -> HttpResponse | None:
    """Why the person cannot file (the contractor's staff, a contact without a contract), or
    None when they can."""
    try:
        access.filing_contract(request.user)
    except access.NotAContact as exc:
        return render(request, "portal/cannot_file.html", {"reason": str(exc)}, status=403)
    return None


@login_required
def ticket_new(request: SignedInRequest) -> HttpResponse:
    """File a ticket: the fields follow the chosen type, the priority appears only for incidents."""
    user = request.user
    if (refusal := _refusal(request)) is not None:
        return refusal
    contracts = _active_contracts(user)
    if request.method != "POST":
        form = NewTicketForm(initial={"type": request.GET.get("type", "")}, contracts=contracts)
        return _new_ticket_page(request, form)
    key = submissions.key_of(request.POST)
    if (result := submissions.earlier(user, key)) is not None:
        return submitted(request, result)  # a double click: the ticket is filed already
    form = NewTicketForm(request.POST, request.FILES, contracts=contracts)
    if not form.is_valid():
        return _new_ticket_page(request, form)

    def file() -> submissions.Result:
        ticket = services.file_ticket(
            user, form.draft(), files=uploads(form.cleaned_data["attachments"])
        )
        if urgent.is_urgent_incident(ticket):
            return submissions.Result(reverse("portal:ticket_urgent", args=[ticket.pk]))
        return submissions.Result(
            reverse("portal:ticket_detail", args=[ticket.pk]),
            _("Ticket %(number)s is filed. We will react by %(due)s.")
            % {"number": ticket.number, "due": _due_text(ticket)},
        )

    try:
        result, _repeated = submissions.submit_once(user, key, file)
    except ValidationError as exc:
        apply_errors(form, exc)
        return _new_ticket_page(request, form)
    except access.NotAContact as exc:
        return render(request, "portal/cannot_file.html", {"reason": str(exc)}, status=403)
    return submitted(request, result)


def _due_text(ticket: Ticket) -> str:
    ticket.refresh_from_db(fields=["reaction_due_at"])
    if ticket.reaction_due_at is None:
        return "—"

    return date_format(timezone.localtime(ticket.reaction_due_at), "DATETIME_FORMAT")


@login_required
@require_GET
def ticket_fields(request: SignedInRequest) -> HttpResponse:
    """The part of the new-ticket form that depends on the type (htmx swaps it in); opened
    directly (a link copied, a reload), the whole new-ticket page with those fields."""
    user = request.user
    if (refusal := _refusal(request)) is not None:
        return refusal
    form = NewTicketForm(
        initial={"type": request.GET.get("type", "")}, contracts=_active_contracts(user)
    )
    form.initial.update({k: v for k, v in request.GET.items() if k in form.fields})
    response = _new_ticket_page(request, form)
    if form.chosen_type:
        response["HX-Replace-Url"] = f"{reverse('portal:ticket_new')}?type={form.chosen_type}"
    return response


@login_required
@require_GET
def ticket_urgent(request: SignedInRequest, pk: int) -> HttpResponse:
    """After an Urgent incident: the phone number and what to say, impossible to miss."""
    ticket = get_ticket_for(request.user, pk)
    instructions = instructions_for(ticket)
    if instructions is None:
        return redirect("portal:ticket_detail", pk=ticket.pk)
    context = {
        "ticket": ticket,
        "instructions": instructions,
        "duty_alerted": DutyCallout.objects.filter(ticket=ticket).exists(),
        "out_of_hours": duty.is_out_of_hours(ticket),
    }
    return render(request, "portal/urgent.html", context)
