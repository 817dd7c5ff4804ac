"""The email quarantine in the agent desk: every message the intake did not file (quarantined,
judged a duplicate or automatic mail, or still waiting), with its reason and raw source; an
agent retries one, files it as a ticket by hand or discards it as spam, one or several at once
(mail.quarantine). What was discarded leaves the open list and is shown, with who, when and
why, in a tab of its own."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from secondline.accounts.access import AccessDenied
from secondline.accounts.requests import SignedInRequest, staff_member
from secondline.common.forms import apply_errors
from secondline.mail import flags, quarantine, routing
from secondline.mail.limits import parse_raw
from secondline.mail.models import InboundMessage
from secondline.mail.parse import ParsedMessage
from secondline.mail.subject_tags import subject_tags
from secondline.portal.quarantine_forms import QuarantineDiscardForm, QuarantineTicketForm
from secondline.tickets.choices import Priority, TicketType

RAW_PREVIEW_BYTES = 512 * 1024
PAGE_SIZE = 50


def quarantined(status: str = InboundMessage.Status.QUARANTINED) -> Any:
    return InboundMessage.objects.filter(status=status).defer("raw")


SHOWN = (*InboundMessage.NOT_FILED, InboundMessage.Status.DISCARDED)


def _shown_status(request: HttpRequest) -> str:
    """The tab asked for: one of the statuses of what was not filed, or the discarded spam;
    quarantined by default."""
    wanted = request.GET.get("status", "")
    return wanted if wanted in SHOWN else InboundMessage.Status.QUARANTINED


def _message(pk: int) -> InboundMessage:
    message = (
        InboundMessage.objects.select_related(
            "result_ticket", "mailbox", "collides_with", "discarded_by"
        )
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message


@login_required
@require_GET
def quarantine_list(request: SignedInRequest) -> HttpResponse:
    staff_member(request)
    return _list_page(request, _shown_status(request))


def _list_page(
    request: HttpRequest, status: str, form: QuarantineDiscardForm | None = None
) -> HttpResponse:
    rows = quarantined(status).select_related("discarded_by").order_by("-received_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    tabs = [(value, InboundMessage.Status(value).label) for value in SHOWN]
    context = {
        "page": page,
        "nav": "quarantine",
        "status": status,
        "tabs": tabs,
        "discardable": status in InboundMessage.NOT_FILED,
        "discard_form": form or QuarantineDiscardForm(),
    }
    status_code = 400 if form is not None and form.errors else 200
    return render(request, "portal/quarantine_list.html", context, status=status_code)


def _detail_page(
    request: HttpRequest,
    message: InboundMessage,
    form: QuarantineTicketForm | None = None,
    discard_form: QuarantineDiscardForm | None = None,
    status: int = 200,
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
        "reply_to": _reply_to(message, parsed),
        "asked": _asked_for(parsed),
        "notes": flags.staff_notes(parsed),
        "source": source,
        "source_cut": len(raw) > RAW_PREVIEW_BYTES,
        "actionable": message.status in InboundMessage.NOT_FILED,
        "form": form,
        "discard_form": discard_form or QuarantineDiscardForm(),
        "nav": "quarantine",
    }
    invalid = form.errors or (discard_form is not None and discard_form.errors)
    return render(
        request, "portal/quarantine_detail.html", context, status=400 if invalid else status
    )


def _asked_for(parsed: ParsedMessage) -> str:
    """What the subject tags ask for ("Incident · High"), as the ticket would be filed."""
    tags = subject_tags(parsed.subject)
    labels = []
    if tags.type:
        labels.append(str(TicketType(tags.type).label))
    if tags.priority:
        labels.append(str(Priority(tags.priority).label))
    return " · ".join(labels)


def _reply_to(message: InboundMessage, parsed: ParsedMessage) -> Any:
    """The ticket a quarantined reply may be accepted on, as its sender's (or None)."""
    if message.status != InboundMessage.Status.QUARANTINED:
        return None
    try:
        return quarantine.reply_to_accept(parsed)[0]
    except ValidationError:
        return None


@login_required
@require_GET
def quarantine_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    staff_member(request)
    return _detail_page(request, _message(pk))


@login_required
@require_POST
def quarantine_retry(request: SignedInRequest, pk: int) -> HttpResponse:
    """Run the message through the intake again (after adding its sender as a contact, say)."""
    staff_member(request)
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
        _("Processed again: %(result)s.") % {"result": message.get_status_display()},
    )
    if message.result_ticket_id:
        return redirect("portal:ticket_detail", pk=message.result_ticket_id)
    return redirect("portal:quarantine")


@login_required
@require_POST
def quarantine_ticket(request: SignedInRequest, pk: int) -> HttpResponse:
    """File the message as a ticket of the customer contact the agent chose."""
    user = staff_member(request)
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


@login_required
@require_POST
def quarantine_discard(request: SignedInRequest, pk: int) -> HttpResponse:
    """Discard one email as spam, with the reason the agent gives."""
    user = staff_member(request)
    message = _message(pk)
    form = QuarantineDiscardForm(request.POST)
    if form.is_valid():
        try:
            done = quarantine.discard([message], user, form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if done:
                messages.success(request, _("The email is discarded as spam."))
                return redirect("portal:quarantine")
            # Filed or discarded meanwhile: the page, which shows what became of it, says so.
            messages.error(request, _("Only messages that were not filed can be discarded."))
            return redirect("portal:quarantine_detail", pk=message.pk)
    message.refresh_from_db()
    return _detail_page(request, message, discard_form=form)


@login_required
@require_POST
def quarantine_discard_many(request: SignedInRequest) -> HttpResponse:
    """Discard the emails ticked in the list as spam, all with one reason."""
    user = staff_member(request)
    form = QuarantineDiscardForm(request.POST)
    status = _shown_status(request)
    if form.is_valid() and not form.cleaned_data["messages"]:
        form.add_error("messages", _("Tick the emails to discard."))
    if form.is_valid():
        try:
            done = quarantine.discard(
                form.cleaned_data["messages"], user, form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            count = len(done)
            messages.success(
                request,
                ngettext(
                    "%(count)d email discarded as spam.",
                    "%(count)d emails discarded as spam.",
                    count,
                )
                % {"count": count},
            )
            return redirect(f"{reverse('portal:quarantine')}?status={status}")
    return _list_page(request, status, form)


@login_required
@require_POST
def quarantine_accept(request: SignedInRequest, pk: int) -> HttpResponse:
    """Accept a reply that failed the sender proof as a comment from its sender (audited)."""
    user = staff_member(request)
    message = _message(pk)
    try:
        comment = quarantine.accept_as_sender(message, user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        message.refresh_from_db()
        return _detail_page(request, message, status=400)
    messages.success(
        request,
        _("The email is on %(number)s as a comment from %(sender)s.")
        % {"number": comment.ticket.number, "sender": message.sender},
    )
    return redirect("portal:ticket_detail", pk=comment.ticket_id)
