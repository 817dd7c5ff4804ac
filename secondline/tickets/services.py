"""The support rules, applied. Every channel (portal, API, email, CLI, tasks) calls these verbs.

Each verb runs in one transaction, writes the audit trail and announces what it did through
``signals.announce``: the SLA clocks, the email outbox and the duty alerts listen there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.tickets import drafts, events, merging, rules
from secondline.tickets.attachments import UploadedFile, check_size, store_attachment
from secondline.tickets.choices import Channel, Environment, Priority, Status, TicketType
from secondline.tickets.drafts import NewTicket
from secondline.tickets.locking import locked
from secondline.tickets.models import Comment, DeclineReason, Ticket, TicketEvent
from secondline.tickets.signals import announce
from secondline.tickets.watchers import may_watch

EDITABLE_FIELDS = (
    "subject",
    "description",
    "affected_module",
    "environment",
    "occurred_at",
    "impact",
    "steps_to_reproduce",
    "target_version",
    "preferred_windows",
)


def file_ticket(
    requester: User,
    draft: NewTicket,
    channel: str = Channel.WEB,
    files: Iterable[UploadedFile] = (),
) -> Ticket:
    """File a ticket on behalf of a customer contact.

    Contract rules: only contacts of a customer with an active contract (and a named
    responsible employee) file tickets; only an Incident keeps the customer's priority, other
    types get the plan's default and the customer is told why. The reaction time counts from
    the request's arrival: ``draft.filed_at`` when the channel stored it earlier (an email).
    """
    contract = access.filing_contract(requester, draft.contract)
    drafts.validate(draft)
    files = list(files)
    for upload in files:
        check_size(upload)
    priority, overridden = rules.effective_priority(
        draft.type, draft.requested_priority, contract.sla_plan.default_priority_for(draft.type)
    )
    with transaction.atomic():
        ticket = Ticket.objects.create(
            organization=contract.customer,  # fetched with the contract: listeners read it
            contract=contract,
            requester=requester,
            type=draft.type,
            requested_priority=draft.requested_priority,
            priority=priority,
            channel=channel,
            subject=draft.subject.strip(),
            description=draft.description,
            affected_module=draft.affected_module,
            environment=draft.environment,
            occurred_at=draft.occurred_at,
            impact=draft.impact,
            steps_to_reproduce=draft.steps_to_reproduce,
            target_version=draft.target_version,
            preferred_windows=draft.preferred_windows,
            created_at=draft.filed_at or timezone.now(),
        )
        watchers = [w for w in draft.watchers if may_watch(ticket, w)]
        if watchers:
            ticket.watchers.add(*watchers)
        plan_reason = ""
        if overridden or (draft.type != TicketType.INCIDENT and not draft.requested_priority):
            plan_reason = non_incident_priority_reason(
                str(TicketType(ticket.type).label), str(Priority(ticket.priority).label)
            )
        created = events.ticket_filed(ticket, requester, channel, plan_reason)
        stored = [
            store_attachment(ticket, requester, upload, channel, public=True)[0] for upload in files
        ]
        announce(created, watchers=watchers, attachments=stored)
    return ticket


def non_incident_priority_reason(type_label: str, priority_label: str) -> str:
    """Why a ticket other than an incident has the plan's priority: told to the customer on
    filing and shown again in the ticket's history."""
    return _(
        "Only incidents carry the priority you choose. A ticket of type “%(type)s” gets the "
        "priority set by your contract's SLA plan: %(priority)s."
    ) % {"type": type_label.lower(), "priority": priority_label}


def change_priority(
    ticket: Ticket, actor: User, priority: str, reason: str, channel: str = Channel.WEB
) -> Ticket:
    """A contractor agent or manager corrects a wrongly set priority.

    Contract rule: a reason is required, the change is audited and the requester notified.
    The SLA listens and recomputes the deadlines; a wrong priority never counts against the
    contractor (docs/sla.md, "Priority corrections").
    """
    access.require_contractor(actor)
    errors: dict[str, list[str]] = {}
    if priority not in Priority.values:
        errors["priority"] = [
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(Priority.values)}
        ]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the priority changes; the customer will see the reason.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ticket = locked(ticket)
        if ticket.priority == priority:
            raise ValidationError({"priority": [_("The ticket already has this priority.")]})
        if not ticket.is_open():
            raise ValidationError({"priority": [_("Only open tickets can change priority.")]})
        old = ticket.priority
        ticket.priority = priority
        ticket.save(update_fields=["priority", "updated_at"])
        announce(events.priority_changed(ticket, actor, channel, old, reason.strip()))
    return ticket


def change_status(
    ticket: Ticket, actor: User, status: str, channel: str = Channel.WEB, reason: str = ""
) -> Ticket:
    """Move a ticket along its lifecycle; who may do which move is in rules.py."""
    if status == Status.DECLINED:
        raise ValidationError({"status": [_("Use “decline” with a reason to decline a ticket.")]})
    if status not in Status.values:
        raise ValidationError(
            {"status": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Status.values)}]}
        )
    with transaction.atomic():
        ticket = locked(ticket)
        merging.refuse_if_merged(ticket, "status")
        if not rules.can_transition(ticket.status, status, by_contractor=actor.is_contractor):
            raise ValidationError(
                {
                    "status": [
                        _("A ticket that is “%(old)s” cannot become “%(new)s”.")
                        % {"old": ticket.get_status_display(), "new": Status(status).label}
                    ]
                }
            )
        announce(_move(ticket, actor, status, channel, reason.strip()))
    return ticket


def _move(ticket: Ticket, actor: User, status: str, channel: str, reason: str) -> TicketEvent:
    """Change the status of a locked ticket: the row and its audit line."""
    old = ticket.status
    _apply_status(ticket, status)
    return events.status_changed(ticket, actor, channel, old, reason)


def _apply_status(ticket: Ticket, status: str) -> None:
    now = timezone.now()
    ticket.status = status
    if status == Status.RESOLVED:
        ticket.resolved_at = now
    elif status == Status.CLOSED:
        ticket.closed_at = now
    elif status in {Status.IN_PROGRESS, Status.NEW}:
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.save()


def reopen(ticket: Ticket, actor: User, channel: str = Channel.WEB, reason: str = "") -> Ticket:
    return change_status(ticket, actor, Status.IN_PROGRESS, channel, reason)


def decline_ticket(
    ticket: Ticket, actor: User, reason_code: str, note: str = "", channel: str = Channel.WEB
) -> Ticket:
    """Decline a ticket not submitted per procedure; the requester sees why.

    Contract rule: declined tickets never count against the SLA.
    """
    access.require_contractor(actor)
    reason = DeclineReason.objects.filter(code=reason_code, is_active=True).first()
    if reason is None:
        codes = ", ".join(
            DeclineReason.objects.filter(is_active=True).values_list("code", flat=True)
        )
        raise ValidationError(
            {"reason": [_("Choose a decline reason: %(codes)s.") % {"codes": codes}]}
        )
    with transaction.atomic():
        ticket = locked(ticket)
        if not ticket.is_open():
            raise ValidationError({"status": [_("Only open tickets can be declined.")]})
        old = ticket.status
        ticket.status = Status.DECLINED
        ticket.decline_reason = reason
        ticket.decline_note = note.strip()
        ticket.save()
        text = reason.title_en + (f": {ticket.decline_note}" if ticket.decline_note else "")
        announce(events.declined(ticket, actor, channel, old, text))
    return ticket


def add_comment(
    ticket: Ticket,
    author: User,
    body: str,
    *,
    public: bool = True,
    channel: str = Channel.WEB,
    files: Iterable[UploadedFile] = (),
    body_html: str = "",
) -> Comment:
    """Add to the conversation. Customers always write in public; only staff write notes.

    A customer's answer to a ticket waiting for them puts it back in progress (the SLA clock
    resumes); the contractor's first public answer is its reaction. A comment on a ticket that
    was merged goes to the ticket it was merged into (``merging.redirected``).
    """
    if not body.strip() and not files:
        raise ValidationError({"body": [_("Write something or attach a file.")]})
    if errors := rules.too_long({"body": body}):
        raise ValidationError(errors)
    if not author.is_contractor:
        public = True
    files = list(files)
    for upload in files:
        check_size(upload)
    with transaction.atomic():
        ticket = merging.redirected(locked(ticket))
        if author.is_customer and (refusal := _finished_for_customers(ticket)):
            raise access.AccessDenied(refusal)
        comment = Comment.objects.create(
            ticket=ticket,
            author=author,
            body=body,
            body_html=body_html,
            is_public=public,
            channel=channel,
        )
        stored = [
            store_attachment(ticket, author, upload, channel, public=public, comment=comment)[0]
            for upload in files
        ]
        event = events.commented(ticket, author, channel, public)
        if author.is_customer and ticket.status == Status.WAITING_FOR_CUSTOMER:
            _move(
                ticket, author, Status.IN_PROGRESS, channel, gettext_noop("The customer answered.")
            )
        else:
            ticket.save(update_fields=["updated_at"])
        announce(event, comment=comment, attachments=stored)
    return comment


def _finished_for_customers(ticket: Ticket) -> str | None:
    """Why a customer can no longer write on ``ticket``, or None: a closed or declined ticket
    takes no answers; a problem that comes back is a new ticket (the portal says so; an email
    answer opens one, ``mail.filing``)."""
    if ticket.status == Status.CLOSED:
        return _(
            "This ticket is closed. If the problem comes back, file a new ticket and mention "
            "this one's number."
        )
    if ticket.status == Status.DECLINED:
        return _("This ticket was declined; file a new ticket as the support procedure asks.")
    return None


def assign(
    ticket: Ticket, actor: User, assignee: User | None, channel: str = Channel.WEB
) -> Ticket:
    access.require_contractor(actor)
    if assignee is not None and (not assignee.is_contractor or not assignee.is_active):
        raise ValidationError(
            {"assignee": [_("Tickets can be assigned only to the contractor's staff.")]}
        )
    with transaction.atomic():
        ticket = locked(ticket)
        old = ticket.assignee
        if old == assignee:
            return ticket
        ticket.assignee = assignee
        ticket.save(update_fields=["assignee", "updated_at"])
        announce(events.assigned(ticket, actor, channel, old))
    return ticket


class StaleTicket(Exception):
    """The ticket changed since the editor read it (``Ticket.version``): refuse, not overwrite."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this ticket after you opened it; nothing was saved. "
                "Reload it, check their change, and edit again."
            )
        )


def update_ticket(
    ticket: Ticket,
    actor: User,
    changes: dict[str, object],
    channel: str = Channel.WEB,
    expected_version: str | None = None,
) -> Ticket:
    """Edit the description fields. Customers may edit only while the ticket is open.

    With ``expected_version`` (the ``Ticket.version`` the editor read), a ticket changed since
    then is refused with StaleTicket: compared under the row lock, so of two editors of one
    version exactly one wins and the other is told (optimistic concurrency, no lost update).
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if actor.is_customer and not ticket.is_open():
        raise access.AccessDenied(
            _("A closed ticket cannot be edited; reopen it or file a new one.")
        )
    errors: dict[str, list[str]] = {}
    drafts.check_choice(errors, "environment", str(changes.get("environment", "")), Environment)
    occurred = changes.get("occurred_at")
    if isinstance(occurred, dt.datetime) and (reason := drafts.occurred_error(occurred)):
        errors["occurred_at"] = [reason]
    for name in rules.REQUIRED_FIELDS[ticket.type]:
        if name in changes and changes[name] in (None, ""):
            errors[name] = [_("This field is required for this type of ticket.")]
    errors.update(rules.too_long({n: changes[n] for n in rules.LONG_TEXTS if n in changes}))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        ticket = locked(ticket)
        if expected_version is not None and expected_version != ticket.version():
            raise StaleTicket
        changed = [(name, getattr(ticket, name), value) for name, value in changes.items()]
        changed = [(name, old, new) for name, old, new in changed if old != new]
        for name, _old, new in changed:
            setattr(ticket, name, new)
        ticket.save()
        for name, old, new in changed:
            announce(events.field_changed(ticket, actor, channel, name, old, new))
    return ticket
