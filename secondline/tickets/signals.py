"""The one seam between the ticket core and everything that reacts to a ticket changing.

A service verb records what happened in the audit trail, then announces the action here once,
with the event that sums it up (the filing, the comment, the status move...). Nothing in
``secondline.tickets`` knows who listens: the SLA clocks, the email outbox, the duty alerts and
anything later (chat, webhooks) connect to these signals in their ``AppConfig.ready()``.

- ``ticket_changed`` is sent inside the transaction. Its receivers keep what must commit or roll
  back with the change: the SLA deadlines stored on the ticket row (queues sort by them; a new
  ticket's are set by the SLA's ``pre_save`` listener, so its row is written once), the
  rows of the notification outbox (so no committed change ever loses its emails). They never
  talk to the outside world.
- ``ticket_committed`` is sent after the transaction commits. Its receivers talk to the outside
  world: hand the outbox to the worker, page the engineers on duty. A failing receiver is
  logged; it never undoes the change nor fails the caller (each has a sweep that retries).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.dispatch import Signal

from secondline.accounts.models import User
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent

log = logging.getLogger(__name__)

ticket_changed = Signal()  # kwargs: change (Change); sender: Ticket
ticket_committed = Signal()  # kwargs: change (Change); sender: Ticket


@dataclass(frozen=True)
class Change:
    """What one action did to a ticket, as its listeners hear it."""

    event: TicketEvent
    comment: Comment | None = None
    # A new ticket's watchers and files as filed (a comment's files as written), so that
    # listeners need not ask the database.
    watchers: list[User] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def ticket(self) -> Ticket:
        return self.event.ticket


def announce(
    event: TicketEvent,
    *,
    comment: Comment | None = None,
    watchers: list[User] | None = None,
    attachments: list[Attachment] | None = None,
) -> Change:
    """Tell the listeners what just happened: now, inside the caller's transaction, and again
    once it commits (at once when there is no transaction)."""
    change = Change(event, comment, list(watchers or []), list(attachments or []))
    ticket_changed.send(sender=Ticket, change=change)
    transaction.on_commit(partial(_committed, change))
    return change


def _committed(change: Change) -> None:
    for receiver, result in ticket_committed.send_robust(sender=Ticket, change=change):
        if isinstance(result, Exception):
            log.error(
                "%s failed on %s of ticket %s",
                getattr(receiver, "__qualname__", receiver),
                change.event.kind,
                change.event.ticket_id,
                exc_info=result,
            )
