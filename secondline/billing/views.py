"""The billing pages: time on a ticket, out-of-hours approvals, statements. Thin views: access
through billing.access, changes through the billing verbs (worklogs, out_of_hours,
statements); one template per page or fragment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from secondline.accounts import access as accounts_access
from secondline.accounts.access import AccessDenied
from secondline.accounts.api import acting_user
from secondline.accounts.models import User
from secondline.billing import (
    access,
    export,
    forms,
    out_of_hours,
    periods,
    prepaid,
    statements,
    worklogs,
)
from secondline.billing.models import OutOfHoursRequest, Statement, WorkLog
from secondline.billing.statement_page import page_context
from secondline.common.forms import apply_errors
from secondline.tickets import submissions
from secondline.tickets.access import get_ticket_for
from secondline.tickets.models import Ticket


def worklog_context(request: HttpRequest, ticket: Ticket, form: Any = None) -> dict[str, Any]:
    """The work-log fragment's context; the portal's ticket page includes the same fragment."""
    user = acting_user(request)
    logs = list(
        access.worklogs_visible_to(user).filter(ticket=ticket).select_related("agent", "contract")
    )
    zone = periods.zone_of(ticket.contract)
    return {
        "ticket": ticket,
        "worklogs": logs,
        "internal": access.sees_internal_notes(user),
        "can_log": user.is_contractor,
        "form": form or forms.WorkLogForm(zone=zone, initial={"activity": "analysis"}),
        "request_form": forms.OutOfHoursRequestForm(zone=zone),
        "requests": access.requests_visible_to(user).filter(ticket=ticket),
        "time_zone": ticket.contract.calendar.time_zone,
        "totals": _totals(logs),
    }


def _totals(logs: list[WorkLog]) -> dict[str, int]:
    return {
        "business_seconds": sum(log.business_seconds for log in logs),
        "out_of_hours_seconds": sum(log.out_of_hours_seconds for log in logs),
        "billed_business_minutes": sum(log.billed_business_minutes for log in logs),
        "billed_out_of_hours_minutes": sum(log.billed_out_of_hours_minutes for log in logs),
    }


@login_required
@require_http_methods(["GET", "POST"])
def ticket_worklogs(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The ticket's time: a list with the split and a quick entry form (the portal includes
    this fragment on the ticket page; htmx posts come back as the fragment)."""
    user = acting_user(request)
    ticket = get_ticket_for(user, ticket_id)
    form = None
    # Enter pressed twice sends the entry twice: its one-time key logs (and bills) it once,
    # and the repeat is answered with the list the entry is in
    key = submissions.key_of(request.POST)
    repeat = submissions.earlier(user, key) if request.method == "POST" else None
    if repeat is not None:
        if not request.headers.get("HX-Request"):
            return redirect(repeat.url)
    elif request.method == "POST":
        try:
            access.require_can_log_work(user, ticket)
        except AccessDenied as denied:
            raise PermissionDenied(str(denied)) from denied
        form = forms.WorkLogForm(request.POST, zone=periods.zone_of(ticket.contract))
        if form.is_valid():
            data = form.cleaned_data

            def log() -> submissions.Result:
                worklogs.log_work(
                    ticket,
                    user,
                    worklogs.WorkEntry(
                        activity=data["activity"],
                        started_at=data["started_at"],
                        ended_at=data["ended_at"],
                        billable=data["billable"],
                        description=data["description"],
                        internal_note=data["internal_note"],
                    ),
                )
                return submissions.Result(reverse("billing:ticket_worklogs", args=[ticket.pk]))

            try:
                submissions.submit_once(user, key, log)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if not request.headers.get("HX-Request"):
                    return redirect("billing:ticket_worklogs", ticket_id=ticket.pk)
                form = None
    context = worklog_context(request, ticket, form)
    if request.headers.get("HX-Request"):
        # htmx swaps only a 2xx answer: the fragment with the form's errors is that answer.
        return render(request, "billing/_worklogs.html", context)
    return render(
        request,
        "billing/ticket_worklogs.html",
        context,
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def raise_request(request: HttpRequest, ticket_id: int) -> HttpResponse:
    user = acting_user(request)
    ticket = get_ticket_for(user, ticket_id)
    form = forms.OutOfHoursRequestForm(request.POST, zone=periods.zone_of(ticket.contract))
    if form.is_valid():
        try:
            created = out_of_hours.raise_out_of_hours_request(ticket, user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except AccessDenied as denied:
            raise PermissionDenied(str(denied)) from denied
        else:
            messages.success(request, _("The request is sent to both parties for approval."))
            return redirect("billing:request", pk=created.pk)
    context = worklog_context(request, ticket)
    context["request_form"] = form
    return render(request, "billing/ticket_worklogs.html", context, status=400)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """What waits for this user: requests to decide, statements, prepaid balances."""
    user = acting_user(request)
    contracts = accounts_access.contracts_visible_to(user)
    form = forms.GenerateStatementForm(contracts=contracts) if user.is_manager else None
    return render(request, "billing/index.html", _index_context(user, form))


def _index_context(user: User, generate_form: Any) -> dict[str, Any]:
    pending = access.requests_visible_to(user).filter(status=OutOfHoursRequest.Status.PENDING)
    contracts = accounts_access.contracts_visible_to(user)
    return {
        "pending": pending.select_related("ticket", "raised_by"),
        "statements": access.statements_visible_to(user).select_related("contract")[:50],
        "balances": [(contract, prepaid.prepaid_balance(contract)) for contract in contracts[:50]],
        "generate_form": generate_form,
    }


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    ooh = access.get_request_for(user, pk)
    form = forms.DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            out_of_hours.decide_out_of_hours_request(
                ooh, user, approve, form.cleaned_data["comment"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        except AccessDenied as denied:
            form.add_error(None, str(denied))
        else:
            return redirect("billing:request", pk=ooh.pk)
    try:
        side = access.approver_side(user, ooh)
    except AccessDenied:
        side = ""
    context = {
        "req": ooh,
        "form": form,
        "side": side,
        "can_decide": bool(side) and not ooh.decision_of(side) and ooh.status == "pending",
        "time_zone": ooh.ticket.contract.calendar.time_zone,
    }
    return render(request, "billing/request.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def generate(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    try:
        access.require_can_prepare_statements(user)
    except AccessDenied as denied:
        raise PermissionDenied(str(denied)) from denied
    form = forms.GenerateStatementForm(
        request.POST, contracts=accounts_access.contracts_visible_to(user)
    )
    if form.is_valid():
        contract, month = form.cleaned_data["contract"], form.cleaned_data["month"]
        try:
            statement = statements.generate_statement(contract, month, user)
        except ValidationError as error:
            apply_errors(form, error, renamed={"period": "month"})
        else:
            return redirect("billing:statement", pk=statement.pk)
    return render(request, "billing/index.html", _index_context(user, form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    statement = access.get_statement_for(user, pk)
    if request.method == "POST" and request.POST.get("action") == "dispute":
        return _dispute(request, user, statement)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "issue":
                statements.issue_statement(statement, user)
            elif action == "approve":
                statements.approve_statement(statement, user)
        except (ValidationError, AccessDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, text)
        return redirect("billing:statement", pk=statement.pk)
    context = page_context(user, statement)
    return render(request, "billing/statement.html", context)


def _dispute(request: HttpRequest, user: User, statement: Statement) -> HttpResponse:
    """The customer disputes a line; a refused comment is the page again with the message by
    that line and the comment kept."""
    line = access.get_line_for(user, statement, request.POST.get("line", ""))
    form = forms.DisputeForm(request.POST, line=line.pk)
    if form.is_valid():
        try:
            statements.dispute_line(line, user, form.cleaned_data["comment"])
        except ValidationError as error:
            apply_errors(form, error)
        except AccessDenied as denied:
            messages.error(request, str(denied))
            return redirect("billing:statement", pk=statement.pk)
        else:
            return redirect("billing:statement", pk=statement.pk)
    context = page_context(user, statement, dispute_form=form)
    return render(request, "billing/statement.html", context, status=400)


@login_required
def statement_csv(request: HttpRequest, pk: int) -> HttpResponse:
    statement = access.get_statement_for(acting_user(request), pk)
    language = request.GET.get("lang") or acting_user(request).language
    response = HttpResponse(
        export.statement_csv(statement, language), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{export.filename(statement, "csv")}"'
    return response


@login_required
def statement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    statement = access.get_statement_for(acting_user(request), pk)
    language = request.GET.get("lang") or acting_user(request).language
    response = HttpResponse(
        export.statement_pdf(statement, language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{export.filename(statement, "pdf")}"'
    return response
