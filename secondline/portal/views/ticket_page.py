"""The ticket page shared by customers and the contractor's staff: the conversation, the
history, the panels of the other apps, the forms posted from it and attachment downloads."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.accounts.requests import SignedInRequest, staff_member
from secondline.common.forms import apply_errors
from secondline.common.ids import row_named
from secondline.portal import panels, presenters
from secondline.portal.forms import (
    DETAIL_FIELDS,
    AssignForm,
    DeclineForm,
    PhoneCallForm,
    PriorityForm,
    ReplyForm,
    StatusForm,
    WatcherForm,
)
from secondline.portal.views.common import submitted, uploads
from secondline.releases import duty
from secondline.releases.urgent import instructions_for
from secondline.tickets import rules, services, submissions, watchers
from secondline.tickets.access import (
    comments_visible_to,
    events_visible_to,
    get_ticket_for,
    history_visible_to,
)
from secondline.tickets.choices import Status
from secondline.tickets.models import Attachment, Ticket


def _timeline(
    user: User,
    ticket: Ticket,
    attachments: list[Attachment],
    history: list[presenters.EventLine] | None,
) -> list[dict[str, Any]]:
    """The conversation with the events that matter to the reader, in time order.

    ``attachments`` are the ticket's files the reader may see (a comment's files are on its
    ticket: merging moves both); ``history``, the staff's full history when they read it,
    already holds the ticket's own events.
    """
    kinds = (
        presenters.AGENT_TIMELINE_KINDS
        if user.is_contractor
        else presenters.CUSTOMER_TIMELINE_KINDS
    )
    files: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in attachments:
        if attachment.comment_id is not None:
            files[attachment.comment_id].append(attachment)
    items: list[dict[str, Any]] = [
        {"kind": "comment", "at": c.created_at, "comment": c, "files": files[c.pk]}
        for c in comments_visible_to(user, ticket)
    ]
    if history is None:
        events = events_visible_to(user, ticket).filter(kind__in=kinds)
        lines = [presenters.describe(event, ticket) for event in events]
    else:
        lines = [
            line
            for line in history
            if line.event.ticket_id == ticket.pk and line.event.kind in kinds
        ]
    items.extend({"kind": "event", "at": line.event.created_at, "line": line} for line in lines)
    items.sort(key=lambda item: item["at"])
    return items


def _watcher_candidates(user: User, ticket: Ticket) -> QuerySet[User]:
    """Who ``user`` may add as a watcher: the ticket's organisation's people, and for the
    contractor's staff the staff too; not those watching already."""
    people = Q(organization_id=ticket.organization_id)
    if user.is_contractor:
        people |= Q(role__in=User.CONTRACTOR_ROLES)
    return (
        User.objects.filter(people, is_active=True)
        .exclude(pk__in=ticket.watchers.values("pk"))
        .order_by("first_name", "last_name", "username")
    )


def _allowed_statuses(user: User, ticket: Ticket) -> list[str]:
    if ticket.merged_into_id is not None:
        return []  # a merged ticket stays closed (tickets/merging.py)
    return [
        status
        for status in Status.values
        if status != Status.DECLINED
        and rules.can_transition(ticket.status, status, by_contractor=user.is_contractor)
    ]


def ticket_page(
    request: SignedInRequest,
    ticket: Ticket,
    forms: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    forms = forms or {}
    allowed = _allowed_statuses(user, ticket)
    language = get_language() or "en"
    # Read once, shown twice: the files in their panel and under their comments, the staff's
    # history in full and its conversation events in the timeline.
    attachments = [
        a
        for a in ticket.attachments.select_related("uploaded_by")
        if a.is_public or user.is_contractor
    ]
    history = (
        [presenters.describe(e, ticket) for e in history_visible_to(user, ticket)]
        if user.is_contractor
        else None
    )
    context: dict[str, Any] = {
        "ticket": ticket,
        # a form posted back with errors renders here; links and the language switch go to the page
        "page_path": reverse("portal:ticket_detail", args=[ticket.pk]),
        "timeline": _timeline(user, ticket, attachments, history),
        "attachments": attachments,
        "sla_state": presenters.live_sla_state(ticket),
        "sla_labels": presenters.SLA_LABELS,
        "sla_explanations": presenters.SLA_EXPLANATIONS,
        # The customer is told to phone; staff answer that call and see the call-out instead.
        "instructions": None if user.is_contractor else instructions_for(ticket),
        "decline_text": presenters.decline_text(ticket),
        "watchers": ticket.watchers.order_by("first_name", "last_name"),
        "reply_form": forms.get("reply") or ReplyForm(),
        # the template writes the options: a widget renders a template per person
        "watcher_form": forms.get("watcher") or WatcherForm(),
        "watcher_candidates": list(
            _watcher_candidates(user, ticket).only("first_name", "last_name", "username")
        ),
        "can_close": Status.CLOSED in allowed and ticket.status != Status.CLOSED,
        "can_reopen": user.is_customer and ticket.status == Status.RESOLVED,
        "details": _details(ticket),
        "sla_explanation": panels.sla_explanation(ticket),
        "ooh_requests": panels.out_of_hours_requests(user, ticket),
        "update_plan": panels.update_plan(user, ticket),
        "urgent_desk": panels.urgent_desk(user, ticket, forms.get("phone_call")),
        **panels.worklogs(request, ticket),
        **panels.relations(user, ticket, forms),
    }
    if user.is_contractor:
        context.update(
            {
                "history": history,
                "status_form": forms.get("status") or StatusForm(allowed=allowed),
                "allowed_statuses": allowed,
                "priority_form": forms.get("priority")
                or PriorityForm(initial={"priority": ticket.priority}),
                "decline_form": forms.get("decline") or DeclineForm(language=language),
                "assign_form": forms.get("assign")
                or AssignForm(initial={"assignee": ticket.assignee_id}),
                **panels.replies(user),
            }
        )
    return render(request, "portal/ticket_detail.html", context, status=status)


def _details(ticket: Ticket) -> list[tuple[str, Any]]:
    """The type-specific fields the customer filled in, with their labels."""
    names = [n for n in DETAIL_FIELDS if n not in {"subject", "description"} and getattr(ticket, n)]
    rows = []
    for name in names:
        field = Ticket._meta.get_field(name)
        value = getattr(ticket, name)
        if name == "environment":
            value = ticket.get_environment_display()
        rows.append((str(field.verbose_name).capitalize(), value))  # type: ignore[union-attr]
    return rows


def load_ticket(request: SignedInRequest, pk: int) -> Ticket:
    return get_ticket_for(
        request.user,
        pk,
        "organization",
        "contract__sla_plan",
        "contract__calendar",
        "requester",
        "assignee",
        "decline_reason",
    )


@login_required
@require_GET
def ticket_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    return ticket_page(request, load_ticket(request, pk))


def act(
    request: SignedInRequest, pk: int, form_name: str, form: Form, action: Any, done: str
) -> HttpResponse:
    """Run one service call for a form posted from the ticket page, or show why it failed."""
    ticket = load_ticket(request, pk)
    if form.is_valid():
        try:
            action(ticket, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        except access.AccessDenied as exc:
            messages.error(request, str(exc))
            return redirect("portal:ticket_detail", pk=ticket.pk)
        else:
            messages.success(request, done)
            return redirect("portal:ticket_detail", pk=ticket.pk)
    messages.error(request, _("Nothing was changed; see the message next to the form."))
    return ticket_page(request, load_ticket(request, pk), {form_name: form})


@login_required
@require_POST
def ticket_reply(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    key = submissions.key_of(request.POST)
    if (result := submissions.earlier(user, key)) is not None:
        return submitted(request, result)  # a double click: the reply is sent already
    form = ReplyForm(request.POST, request.FILES)
    internal = user.is_contractor and request.POST.get("internal") == "on"
    done = _("Internal note added.") if internal else _("Reply sent.")

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        def send() -> submissions.Result:
            services.add_comment(
                ticket,
                user,
                data["body"] or "",
                public=not internal,
                files=uploads(data["attachments"]),
            )
            return submissions.Result(reverse("portal:ticket_detail", args=[ticket.pk]), done)

        submissions.submit_once(user, key, send)

    return act(request, pk, "reply", form, action, done)


@login_required
@require_POST
def ticket_phone_call(request: SignedInRequest, pk: int) -> HttpResponse:
    """Record the customer's phone call about an Urgent incident (contractor staff); taking
    the call also stops the duty call-out's escalation."""
    user = request.user
    if not user.is_contractor:
        raise Http404
    form = PhoneCallForm(request.POST)

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        duty.record_phone_call(
            ticket,
            user,
            caller_name=data["caller_name"],
            caller_phone=data["caller_phone"],
            summary=data["summary"],
            at=data["at"],
        )

    return act(request, pk, "phone_call", form, action, _("The call is recorded."))


@login_required
@require_POST
def ticket_status(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    form = StatusForm(request.POST)

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        services.change_status(ticket, user, data["status"], reason=data.get("reason") or "")

    label = presenters.status_label(request.POST.get("status", ""))
    return act(
        request,
        pk,
        "status",
        form,
        action,
        _("The ticket is now “%(status)s”.") % {"status": label},
    )


@login_required
@require_POST
def ticket_priority(request: SignedInRequest, pk: int) -> HttpResponse:
    user = staff_member(request)  # customers never see these forms: a 404, as for merging
    form = PriorityForm(request.POST)

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        services.change_priority(ticket, user, data["priority"], data["reason"])

    return act(
        request,
        pk,
        "priority",
        form,
        action,
        _("Priority changed; the customer has been told why."),
    )


@login_required
@require_POST
def ticket_decline(request: SignedInRequest, pk: int) -> HttpResponse:
    user = staff_member(request)
    form = DeclineForm(request.POST, language=get_language() or "en")

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        services.decline_ticket(ticket, user, data["reason"].code, data["note"])

    return act(
        request, pk, "decline", form, action, _("Ticket declined; the customer sees the reason.")
    )


@login_required
@require_POST
def ticket_assign(request: SignedInRequest, pk: int) -> HttpResponse:
    user = staff_member(request)
    data = request.POST.copy()
    if data.get("assignee") == "me":
        data["assignee"] = str(user.pk)
    form = AssignForm(data)

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        services.assign(ticket, user, data["assignee"])

    return act(request, pk, "assign", form, action, _("Assignee updated."))


@login_required
@require_POST
def ticket_watchers(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    ticket = load_ticket(request, pk)
    remove = request.POST.get("remove", "")
    if remove:
        watcher = row_named(ticket.watchers.all(), remove)
        if watcher is not None:
            try:
                watchers.remove_watcher(ticket, user, watcher)
            except access.AccessDenied as exc:
                messages.error(request, str(exc))
            else:
                messages.success(
                    request, _("%(name)s no longer watches this ticket.") % {"name": watcher}
                )
        return redirect("portal:ticket_detail", pk=ticket.pk)
    form = WatcherForm(request.POST, candidates=_watcher_candidates(user, ticket))

    def action(ticket: Ticket, data: dict[str, Any]) -> None:
        watchers.add_watcher(ticket, user, data["watcher"])

    return act(request, pk, "watcher", form, action, _("Watcher added."))


@login_required
@require_GET
def attachment_download(request: SignedInRequest, pk: int, attachment_pk: int) -> FileResponse:
    user = request.user
    ticket = get_ticket_for(user, pk)
    attachment = ticket.attachments.filter(pk=attachment_pk).first()
    if attachment is None or not (attachment.is_public or user.is_contractor):
        raise Http404
    inline = attachment.content_type.startswith("image/") and "svg" not in attachment.content_type
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type or "application/octet-stream",
    )
