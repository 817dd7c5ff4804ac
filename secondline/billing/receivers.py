"""Billing's listeners: a statement's step emails the other side, in each reader's language.

Issue and correction go to the customer's responsible people; a dispute and an approval go to
the contractor's managers. ``notify.send`` renders and queues them once the step commits.
"""

from __future__ import annotations

from typing import Any

from secondline.billing import notify
from secondline.billing.models import StatementEvent

Kind = StatementEvent.Kind

TO_CUSTOMER = {Kind.ISSUED: "statement_issued", Kind.CORRECTED: "statement_corrected"}
TO_CONTRACTOR = {Kind.DISPUTED: "statement_disputed", Kind.APPROVED: "statement_approved"}


def email_the_other_side(sender: Any, event: StatementEvent, **kwargs: Any) -> None:
    statement = event.statement
    context = {"statement": statement, "event": event, "contract": statement.contract}
    if event.kind in TO_CUSTOMER:
        people = notify.responsible_people(statement.contract.customer)
        notify.send(people, TO_CUSTOMER[Kind(event.kind)], context)
    elif event.kind in TO_CONTRACTOR:
        notify.send(notify.managers(), TO_CONTRACTOR[Kind(event.kind)], context)
