"""The desk's canned replies and macros: keep them (``/replies/``), put a reply into the
ticket's answer box (htmx), apply a macro in one click."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from secondline.accounts.access import AccessDenied
from secondline.accounts.requests import SignedInRequest
from secondline.common.ids import row_named
from secondline.replies import services
from secondline.replies.forms import CannedReplyForm, MacroForm
from secondline.replies.models import CannedReply, Macro
from secondline.replies.placeholders import PLACEHOLDERS
from secondline.tickets.access import get_ticket_for

View = Callable[..., HttpResponse]


def staff_only(view: View) -> View:
    @login_required
    @wraps(view)
    def wrapper(request: SignedInRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_contractor:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
@require_http_methods(["GET", "POST"])
def manage(request: SignedInRequest) -> HttpResponse:
    """One's canned replies and macros, and the team's; forms to add more."""
    user = request.user
    kind = request.POST.get("kind")
    reply_form = CannedReplyForm(request.POST if kind == "reply" else None, user=user)
    macro_form = MacroForm(request.POST if kind == "macro" else None, user=user)
    form = {"reply": reply_form, "macro": macro_form}.get(kind or "")
    if form is not None and form.is_valid():
        item = form.save()
        messages.success(request, _("Saved “%(title)s”.") % {"title": item.title})
        return redirect("replies:manage")
    return render(
        request,
        "replies/manage.html",
        {
            "replies": services.replies_for(user),
            "macros": services.macros_for(user),
            "reply_form": reply_form,
            "macro_form": macro_form,
            "placeholders": [(name, meaning) for name, (meaning, _fill) in PLACEHOLDERS.items()],
            "nav": "replies",
        },
        status=400 if form is not None else 200,
    )


@staff_only
@require_POST
def delete(request: SignedInRequest, kind: str, pk: int) -> HttpResponse:
    user = request.user
    item: CannedReply | Macro
    if kind == "reply":
        item = get_object_or_404(CannedReply, pk=pk)
    elif kind == "macro":
        item = get_object_or_404(Macro, pk=pk)
    else:
        raise Http404
    if not services.may_edit(user, item):
        raise Http404
    item.delete()
    messages.success(request, _("Deleted “%(title)s”.") % {"title": item.title})
    return redirect("replies:manage")


@staff_only
@require_GET
def insert(request: SignedInRequest, ticket_pk: int) -> HttpResponse:
    """The answer box with the chosen canned reply's text, filled for this ticket (htmx swaps
    it in; the agent can still edit before sending)."""
    user = request.user
    ticket = get_ticket_for(user, ticket_pk)
    chosen = request.GET.get("reply", "")
    reply = row_named(services.replies_for(user), chosen)
    body = services.reply_text(reply, ticket, user) if reply else request.GET.get("body", "")
    return render(request, "replies/answer_box.html", {"body": body})


@staff_only
@require_POST
def apply(request: SignedInRequest, pk: int, ticket_pk: int) -> HttpResponse:
    user = request.user
    ticket = get_ticket_for(user, ticket_pk)
    macro = services.macros_for(user).filter(pk=pk).first()
    if macro is None:
        raise Http404
    try:
        services.apply_macro(macro, ticket, user)
    except (ValidationError, AccessDenied) as exc:
        reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(
            request,
            _("The macro “%(title)s” changed nothing: %(reason)s")
            % {"title": macro.title, "reason": reason},
        )
    else:
        messages.success(request, _("Macro “%(title)s” applied.") % {"title": macro.title})
    return redirect(ticket)
