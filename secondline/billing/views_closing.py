"""The statement-closing pages: correct a line, add a credit or a price list item, read an
earlier revision, download the act (PDF) and the workbook (XLSX). Thin: the rules are in
``billing.corrections``, ``billing.acts`` and ``billing.accounting``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from secondline.accounts.access import AccessDenied
from secondline.accounts.api import acting_user
from secondline.accounts.models import User
from secondline.billing import access, accounting, acts, corrections
from secondline.billing.forms_closing import CorrectLineForm, CreditForm, PriceItemForm
from secondline.billing.models import Statement
from secondline.billing.statement_page import page_context
from secondline.billing.views_closing_api import XLSX


def _page(request: HttpRequest, statement: Statement, **forms: Any) -> HttpResponse:
    context = page_context(acting_user(request), statement, **forms)
    return render(request, "billing/statement.html", context, status=400)


def _errors(form: Any, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        form.add_error(field if field in form.fields else None, problems)


def _change(
    request: HttpRequest, pk: int, form_name: str, form: Any, verb: Callable[..., Any]
) -> HttpResponse:
    user = acting_user(request)
    statement = access.get_statement_for(user, pk)
    if form.is_valid():
        try:
            verb(statement, user, form.cleaned_data)
        except AccessDenied as denied:
            raise PermissionDenied(str(denied)) from denied
        except ValidationError as error:
            _errors(form, error)
        else:
            return redirect("billing:statement", pk=statement.pk)
    return _page(request, statement, **{form_name: form})


@login_required
@require_POST
def correct(request: HttpRequest, pk: int) -> HttpResponse:
    statement = access.get_statement_for(acting_user(request), pk)
    form = CorrectLineForm(request.POST, lines=statement.lines.all())

    def verb(statement: Statement, user: User, data: dict[str, Any]) -> None:
        corrections.correct_line(
            data["line"],
            user,
            reason=data["reason"],
            business_hours=data["business_hours"],
            out_of_hours_hours=data["out_of_hours_hours"],
            amount=data["amount"],
        )

    return _change(request, pk, "correct_form", form, verb)


@login_required
@require_POST
def credit(request: HttpRequest, pk: int) -> HttpResponse:
    def verb(statement: Statement, user: User, data: dict[str, Any]) -> None:
        corrections.add_credit(statement, user, **data)

    return _change(request, pk, "credit_form", CreditForm(request.POST), verb)


@login_required
@require_POST
def item(request: HttpRequest, pk: int) -> HttpResponse:
    statement = access.get_statement_for(acting_user(request), pk)
    form = PriceItemForm(request.POST, items=statement.contract.price_list.filter(active=True))

    def verb(statement: Statement, user: User, data: dict[str, Any]) -> None:
        corrections.add_price_item(statement, user, item=data["item"], quantity=data["quantity"])

    return _change(request, pk, "item_form", form, verb)


@login_required
def revision(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    statement = access.get_statement_for(acting_user(request), pk)
    kept = statement.revisions.filter(number=number).first()
    if kept is None:
        raise Http404
    return render(request, "billing/revision.html", {"statement": statement, "revision": kept})


def _download(
    request: HttpRequest, pk: int, make: Callable[..., bytes], kind: str, name: str
) -> HttpResponse:
    statement = access.get_statement_for(acting_user(request), pk)
    language = request.GET.get("lang") or acting_user(request).language
    try:
        body = make(statement, language)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("billing:statement", pk=statement.pk)
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'inline; filename="{acts.filename(statement, name)}"'
    return response


@login_required
def act(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, acts.act_pdf, "application/pdf", "pdf")


@login_required
def xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, accounting.statement_xlsx, XLSX, "xlsx")
