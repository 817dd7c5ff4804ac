"""The statement's audit trail and its announcement: billing's own seam, shaped like the
ticket core's (``tickets.signals``).

Each step of a statement (issued, a line disputed, corrected, approved, an adjustment carried)
writes one ``StatementEvent`` and is announced once:

- ``statement_changed`` inside the transaction (what must commit or roll back with the step:
  ``billing.receivers`` queues the emails to the other side, which leave only on commit);
- ``statement_committed`` after the commit, for listeners that talk to the outside world.

Billing imports no channel; a channel that wants statements connects a receiver here.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import transaction
from django.dispatch import Signal

from secondline.accounts.models import User
from secondline.billing.models import Statement, StatementEvent

log = logging.getLogger(__name__)

statement_changed = Signal()  # kwargs: event (StatementEvent); sender: Statement
statement_committed = Signal()  # kwargs: event (StatementEvent); sender: Statement

Kind = StatementEvent.Kind


def announce(
    statement: Statement, kind: str, actor: User | None, detail: str = ""
) -> StatementEvent:
    """Record one step of ``statement`` and tell the listeners, now and once it commits."""
    event = StatementEvent.objects.create(
        statement=statement, kind=kind, revision=statement.revision, actor=actor, detail=detail
    )
    event.statement = statement
    statement_changed.send(sender=Statement, event=event)
    transaction.on_commit(partial(_committed, event))
    return event


def _committed(event: StatementEvent) -> None:
    for receiver, result in statement_committed.send_robust(sender=Statement, event=event):
        if isinstance(result, Exception):
            log.error(
                "%s failed on %s of statement %s",
                getattr(receiver, "__qualname__", receiver),
                event.kind,
                event.statement_id,
                exc_info=result,
            )
