"""Use a canned reply or apply a macro: every change goes through ``tickets.services`` with
the rules a change by hand meets, in one transaction (a macro that cannot do all it says does
nothing)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.replies.models import CannedReply, Macro
from secondline.replies.placeholders import fill
from secondline.tickets import services
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket


def _usable(user: User) -> Q:
    return Q(owner__isnull=True) | Q(owner=user)


def replies_for(user: User) -> QuerySet[CannedReply]:
    """The team's canned replies and the user's own; none for a customer."""
    if not user.is_authenticated or not user.is_contractor:
        return CannedReply.objects.none()
    return CannedReply.objects.filter(_usable(user))


def macros_for(user: User) -> QuerySet[Macro]:
    if not user.is_authenticated or not user.is_contractor:
        return Macro.objects.none()
    return Macro.objects.filter(_usable(user)).select_related("assignee")


def may_edit(user: User, item: CannedReply | Macro) -> bool:
    """One's own, and the team's for the contractor's managers."""
    return item.owner_id == user.pk or (item.owner_id is None and user.is_manager)


def reply_text(reply: CannedReply, ticket: Ticket, actor: User) -> str:
    """The canned reply's text for this ticket, its placeholders filled."""
    access.require_contractor(actor)
    return fill(reply.body, ticket, actor, reply.language)


def apply_macro(macro: Macro, ticket: Ticket, actor: User, channel: str = Channel.WEB) -> Ticket:
    """Post the macro's reply, then assign, change the priority and the status, each through
    the ticket services. Any refusal (a status the ticket cannot move to, an inactive
    assignee...) undoes the whole macro and is raised as that service's ValidationError."""
    access.require_contractor(actor)
    if not macros_for(actor).filter(pk=macro.pk).exists():
        raise ValidationError({"macro": [_("No such macro.")]})
    with transaction.atomic():
        if macro.reply.strip():
            body = fill(macro.reply, ticket, actor, macro.language)
            services.add_comment(ticket, actor, body, public=macro.reply_public, channel=channel)
        if macro.assign:
            _assign(macro, ticket, actor, channel)
        ticket.refresh_from_db()
        if macro.priority and macro.priority != ticket.priority:
            services.change_priority(ticket, actor, macro.priority, macro.priority_reason, channel)
        if macro.status and macro.status != ticket.status:
            services.change_status(ticket, actor, macro.status, channel)
    ticket.refresh_from_db()
    return ticket


def _assign(macro: Macro, ticket: Ticket, actor: User, channel: str) -> None:
    people = {Macro.Assign.ME: actor, Macro.Assign.NOBODY: None}
    assignee = people.get(macro.assign, macro.assignee)  # type: ignore[call-overload]
    if macro.assign == Macro.Assign.PERSON and assignee is None:
        raise ValidationError({"assignee": [_("The macro's assignee no longer exists.")]})
    services.assign(ticket, actor, assignee, channel)
