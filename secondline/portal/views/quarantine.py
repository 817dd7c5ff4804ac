"""The email quarantine in the agent desk: every message the intake did not file (quarantined,
judged a duplicate or automatic mail, or still waiting), with its reason and raw source; an
agent retries one or files it as a ticket by hand (mail.quarantine)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import User
from secondline.mail import flags, quarantine, routing
from secondline.mail.limits import parse_raw
from secondline.mail.models import InboundMessage
from secondline.portal.forms import QuarantineTicketForm
from secondline.portal.views.common import apply_errors

RAW_PREVIEW_BYTES = 512 * 1024
PAGE_SIZE = 50


def _staff(request: HttpRequest) -> User:
    """Only the contractor's staff see the quarantine; for anyone else it does not exist."""
    user: User = request.user  # type: ignore[assignment]
    if not (user.is_active and user.is_contractor):
        raise Http404
    return user


def quarantined(status: str = InboundMessage.Status.QUARANTINED) -> Any:
    return InboundMessage.objects.filter(status=status).defer("raw")


def _shown_status(request: HttpRequest) -> str:
    """The tab asked for: one of the statuses of what was not filed, quarantined by default."""
    wanted = request.GET.get("status", "")
    return wanted if wanted in InboundMessage.NOT_FILED else InboundMessage.Status.QUARANTINED


def _message(pk: int) -> InboundMessage:
    message = (
        InboundMessage.objects.select_related("result_ticket", "mailbox", "collides_with")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message


@login_required
@require_GET
def quarantine_list(request: HttpRequest) -> HttpResponse:
    _staff(request)
    status = _shown_status(request)
    page = Paginator(quarantined(status).order_by("-received_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    tabs = [(value, InboundMessage.Status(value).label) for value in InboundMessage.NOT_FILED]
    context = {"page": page, "nav": "quarantine", "status": status, "tabs": tabs}
    return render(request, "portal/quarantine_list.html", context)


def _detail_page(
    request: HttpRequest, message: InboundMessage, form: QuarantineTicketForm | None = None
) -> HttpResponse:
    raw = bytes(message.raw)
    parsed = parse_raw(raw)
    source = raw[:RAW_PREVIEW_BYTES].decode("utf-8", "replace")
    if form is None:
        contact = routing.find_contact(message.sender) if message.sender else None
        form = QuarantineTicketForm(initial={"contact": contact.pk if contact else None})
    context = {
        "message": message,
        "parsed": parsed,
        "notes": flags.staff_notes(parsed),
        "source": source,
        "source_cut": len(raw) > RAW_PREVIEW_BYTES,
        "actionable": message.status in InboundMessage.NOT_FILED,
        "form": form,
        "nav": "quarantine",
    }
    return render(
        request, "portal/quarantine_detail.html", context, status=400 if form.errors else 200
    )


@login_required
@require_GET
def quarantine_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _staff(request)
    return _detail_page(request, _message(pk))


@login_required
@require_POST
def quarantine_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the message through the intake again (after adding its sender as a contact, say)."""
    _staff(request)
    message = _message(pk)
    try:
        status = quarantine.retry(message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("portal:quarantine_detail", pk=message.pk)
    message.refresh_from_db()
    if status == InboundMessage.Status.QUARANTINED:
        messages.error(request, _("Still quarantined: %(why)s") % {"why": message.error or "—"})
        return redirect("portal:quarantine_detail", pk=message.pk)
    messages.success(
        request,
        _("Processed again: %(result)s.") % {"result": message.get_status_display()},  # type: ignore[attr-defined]
    )
    if message.result_ticket_id:
        return redirect("portal:ticket_detail", pk=message.result_ticket_id)
    return redirect("portal:quarantine")


@login_required
@require_POST
def quarantine_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """File the message as a ticket of the customer contact the agent chose."""
    user = _staff(request)
    message = _message(pk)
    form = QuarantineTicketForm(request.POST)
    if form.is_valid():
        try:
            ticket = quarantine.turn_into_ticket(
                message, form.cleaned_data["contact"], user, form.cleaned_data["ticket_type"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except AccessDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Ticket %(number)s is filed from the email.") % {"number": ticket.number},
            )
            return redirect("portal:ticket_detail", pk=ticket.pk)
    message.refresh_from_db()
    return _detail_page(request, message, form)
