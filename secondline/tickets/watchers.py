"""Watchers: the people besides the requester and the assignee who hear about a ticket.

The contractor's staff and the customer's people may watch; a customer adds and removes only
their own colleagues. Each change is audited and announced like any other verb.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.tickets import events
from secondline.tickets.choices import Channel
from secondline.tickets.locking import locked
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce


def may_watch(ticket: Ticket, user: User) -> bool:
    """Who may watch a ticket: the contractor's active staff and the customer's active people."""
    return user.is_active and (user.is_contractor or user.organization_id == ticket.organization_id)


def add_watcher(ticket: Ticket, actor: User, watcher: User, channel: str = Channel.WEB) -> None:
    """Let ``watcher`` follow the ticket; a customer may add only their own colleagues."""
    if not may_watch(ticket, watcher):
        raise ValidationError(
            {
                "watcher": [
                    _("Only the contractor's staff or the customer's people can watch a ticket.")
                ]
            }
        )
    if actor.is_customer and watcher.is_contractor:
        raise access.AccessDenied(_("Customers can add only their own colleagues as watchers."))
    with transaction.atomic():
        # the ticket's lock orders two adds of one watcher at once (a double click, a retry):
        # the second sees the first's row, so the event and its notifications happen once
        ticket = locked(ticket)
        if not ticket.watchers.filter(pk=watcher.pk).exists():
            ticket.watchers.add(watcher)
            announce(events.watcher_changed(ticket, actor, channel, watcher, added=True))


def remove_watcher(ticket: Ticket, actor: User, watcher: User, channel: str = Channel.WEB) -> None:
    """Stop ``watcher`` watching; a customer may take off only their own colleagues (the
    contractor's staff decide who of theirs follows a ticket)."""
    if actor.is_customer and watcher.organization_id != actor.organization_id:
        raise access.AccessDenied(_("Customers can remove only their own colleagues as watchers."))
    with transaction.atomic():
        ticket = locked(ticket)  # as in add_watcher: two removals at once record one event
        if ticket.watchers.filter(pk=watcher.pk).exists():
            ticket.watchers.remove(watcher)
            announce(events.watcher_changed(ticket, actor, channel, watcher, added=False))
