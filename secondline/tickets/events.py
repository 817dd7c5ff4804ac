"""The audit trail: one small function per kind of ticket event."""

from __future__ import annotations

from secondline.accounts.models import User
from secondline.tickets.choices import Channel
from secondline.tickets.models import Comment, Ticket, TicketEvent
from secondline.tickets.reasons import Reason

Kind = TicketEvent.Kind


def record(
    ticket: Ticket,
    actor: User | None,
    kind: str,
    channel: str,
    *,
    field: str = "",
    old: object = "",
    new: object = "",
    reason: str | Reason = "",
    public: bool = True,
    rule: tuple[str, dict[str, int]] = ("", {}),
    save: bool = True,
) -> TicketEvent:
    """``reason``: a person's words, or a Reason the system gives, worded when read
    (``tickets.reasons``); ``rule``: the automatic rule that acted and its figures
    (``tickets.automatic``). With ``save=False`` the event is returned unwritten, for the
    caller to write with others."""
    params: dict[str, object] = dict(rule[1])
    if isinstance(reason, Reason):
        params = dict(reason.params)
        reason = reason.text
    event = TicketEvent(
        ticket=ticket,
        actor=actor,
        kind=kind,
        channel=channel,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
        reason=reason,
        is_public=public,
        rule=rule[0],
        reason_params=params,
    )
    if save:
        event.save()
    return event


def ticket_filed(ticket: Ticket, actor: User, channel: str, plan_reason: str = "") -> TicketEvent:
    """The filing's event; with ``plan_reason``, also the event of the priority the plan set
    (a type other than an incident), written together. Returns the filing's event."""
    filed = record(
        ticket, actor, Kind.CREATED, channel, field="status", new=ticket.status, save=False
    )
    events = [filed]
    if plan_reason:
        events.append(
            record(
                ticket,
                None,
                Kind.PRIORITY_SET,
                channel,
                field="priority",
                old=ticket.requested_priority,
                new=ticket.priority,
                reason=plan_reason,
                save=False,
            )
        )
    TicketEvent.objects.bulk_create(events)
    return filed


def priority_changed(
    ticket: Ticket, actor: User, channel: str, old: str, reason: str
) -> TicketEvent:
    return record(
        ticket,
        actor,
        Kind.PRIORITY_CHANGED,
        channel,
        field="priority",
        old=old,
        new=ticket.priority,
        reason=reason,
    )


def status_changed(
    ticket: Ticket, actor: User | None, channel: str, old: str, reason: str = ""
) -> TicketEvent:
    return record(
        ticket,
        actor,
        Kind.STATUS_CHANGED,
        channel,
        field="status",
        old=old,
        new=ticket.status,
        reason=reason,
    )


def declined(ticket: Ticket, actor: User, channel: str, old: str, reason: str) -> TicketEvent:
    return record(
        ticket,
        actor,
        Kind.DECLINED,
        channel,
        field="status",
        old=old,
        new=ticket.status,
        reason=reason,
    )


def assigned(ticket: Ticket, actor: User, channel: str, old: User | None) -> TicketEvent:
    return record(
        ticket,
        actor,
        Kind.ASSIGNED,
        channel,
        field="assignee",
        old=old or "",
        new=ticket.assignee or "",
        public=False,
    )


def commented(ticket: Ticket, actor: User, channel: str, public: bool) -> TicketEvent:
    return record(ticket, actor, Kind.COMMENTED, channel, public=public)


def comment_corrected(
    ticket: Ticket, actor: User, channel: str, comment: Comment, new: str, reason: str
) -> TicketEvent:
    """The old text stays here; the event is as public as the comment."""
    return record(
        ticket,
        actor,
        Kind.COMMENT_CORRECTED,
        channel,
        field=f"comment:{comment.pk}",
        old=comment.body,
        new=new,
        reason=reason,
        public=comment.is_public,
    )


def attached(ticket: Ticket, actor: User, channel: str, filename: str, public: bool) -> TicketEvent:
    return record(
        ticket, actor, Kind.ATTACHED, channel, field="attachment", new=filename, public=public
    )


def field_changed(
    ticket: Ticket, actor: User, channel: str, field: str, old: object, new: object
) -> TicketEvent:
    return record(ticket, actor, Kind.FIELD_CHANGED, channel, field=field, old=old, new=new)


def watcher_changed(
    ticket: Ticket, actor: User, channel: str, watcher: User, added: bool
) -> TicketEvent:
    kind = Kind.WATCHER_ADDED if added else Kind.WATCHER_REMOVED
    return record(ticket, actor, kind, channel, field="watchers", new=watcher, public=False)


def sla_changed(ticket: Ticket, old: str, new: str) -> TicketEvent:
    """The SLA sweep (or a recomputation) moved the ticket to another SLA state; staff only."""
    return record(
        ticket,
        None,
        Kind.SLA_CHANGED,
        Channel.SYSTEM,
        field="sla_state",
        old=old,
        new=new,
        public=False,
    )


def merged(ticket: Ticket, actor: User, channel: str, original: Ticket) -> TicketEvent:
    """The duplicate went into ``original``; the customer sees where their ticket went on."""
    return record(ticket, actor, Kind.MERGED, channel, field="merged_into", new=original.number)


def merged_in(ticket: Ticket, actor: User, channel: str, duplicate: Ticket) -> TicketEvent:
    return record(ticket, actor, Kind.MERGED_IN, channel, field="merged_from", new=duplicate.number)


def link_changed(
    ticket: Ticket, actor: User, channel: str, other: Ticket, *, added: bool
) -> TicketEvent:
    kind = Kind.LINKED if added else Kind.UNLINKED
    return record(ticket, actor, kind, channel, field="links", new=other.number)
