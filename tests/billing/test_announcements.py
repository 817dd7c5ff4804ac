"""Billing events reach the ticket's listeners through the one seam, ``tickets.signals``:
``ticket_changed`` inside the transaction, ``ticket_committed`` only once it commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from secondline.billing import out_of_hours, statements, worklogs
from secondline.billing.models import WorkLog
from secondline.tickets.models import TicketEvent
from tests.billing.conftest import msk
from tests.listeners import Heard

Kind = TicketEvent.Kind


def _request(ticket: Any, responsible: Any) -> Any:
    return out_of_hours.raise_out_of_hours_request(
        ticket,
        responsible,
        window_start=msk(2024, 11, 3, 10),
        window_end=msk(2024, 11, 3, 14),
        reason="Urgent weekend work",
        estimated_hours="2",
    )


# Each billing verb that concerns a ticket, and the audit event it announces:
# (what the test does first, untimed; the verb; the event kind; the event's field).
Setup = Callable[[Any], Any]
CASES: list[tuple[str, Setup, Callable[[Any, Any], Any], str, str]] = [
    (
        "work logged",
        lambda f: None,
        lambda f, _: f.log(f.ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12)),
        Kind.WORK_LOGGED,
        "worklog",
    ),
    (
        "work log corrected",
        lambda f: f.log(f.ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12)),
        lambda f, log: worklogs.update_worklog(log, f.agent, {"description": "Checked twice"}),
        Kind.WORK_LOGGED,
        "worklog",
    ),
    (
        "work log removed",
        lambda f: f.log(f.ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12)),
        lambda f, log: worklogs.delete_worklog(log, f.agent),
        Kind.WORK_LOGGED,
        "worklog",
    ),
    (
        "out-of-hours request made",
        lambda f: None,
        lambda f, _: _request(f.ticket, f.responsible),
        Kind.OUT_OF_HOURS_REQUESTED,
        "out_of_hours",
    ),
    (
        "out-of-hours request approved",
        lambda f: _request(f.ticket, f.responsible),
        lambda f, req: out_of_hours.approve_out_of_hours_request(req, f.responsible),
        Kind.OUT_OF_HOURS_APPROVED,
        "out_of_hours",
    ),
    (
        "out-of-hours request declined",
        lambda f: _request(f.ticket, f.responsible),
        lambda f, req: out_of_hours.reject_out_of_hours_request(req, f.manager, "Not urgent"),
        Kind.OUT_OF_HOURS_REJECTED,
        "out_of_hours",
    ),
    (
        "statement line disputed",
        lambda f: _issued_line(f),
        lambda f, line: statements.dispute_line(line, f.responsible, "We agreed on one hour"),
        Kind.OTHER,
        "statement_line",
    ),
]


def _issued_line(f: Any) -> Any:
    f.log(f.ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12))
    statement = statements.generate_statement(f.personas.contract, dt.date(2024, 11, 1), f.manager)
    statements.issue_statement(statement, f.manager)
    return statement.lines.get()


class Fixtures:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


@pytest.fixture
def f(personas: Any, ticket: Any, log: Any, agent: Any, manager: Any, responsible: Any) -> Any:
    return Fixtures(
        personas=personas,
        ticket=ticket,
        log=log,
        agent=agent,
        manager=manager,
        responsible=responsible,
    )


@pytest.mark.parametrize(
    ("setup", "verb", "kind", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_it_announces_each_billing_event_once_and_after_the_commit(
    f: Any,
    heard: Heard,
    django_capture_on_commit_callbacks: Any,
    setup: Setup,
    verb: Callable[[Any, Any], Any],
    kind: str,
    field: str,
) -> None:
    target = setup(f)
    before = set(f.ticket.events.values_list("pk", flat=True))
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        verb(f, target)
        assert [(c.event.kind, c.event.field) for c in heard.changed] == [(kind, field)]
        assert heard.committed == []
    assert heard.committed == heard.changed
    # The announced event is the audit record itself: one row, none written twice.
    recorded = f.ticket.events.exclude(pk__in=before)
    assert [e.pk for e in recorded] == [heard.committed[0].event.pk]
    assert heard.committed[0].event.ticket_id == f.ticket.pk


def test_work_logged_in_a_rolled_back_transaction_is_never_announced_as_committed(
    ticket: Any, log: Any, heard: Heard, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        log(ticket, msk(2024, 11, 1, 11), msk(2024, 11, 1, 12))
        raise RuntimeError("the caller fails after logging")
    assert heard.changed_kinds() == [Kind.WORK_LOGGED]  # heard inside, rolled back
    assert heard.committed == []
    assert callbacks == []
    assert not WorkLog.objects.filter(ticket=ticket).exists()
    assert not ticket.events.filter(kind=Kind.WORK_LOGGED).exists()


def test_a_decision_in_a_rolled_back_transaction_is_never_announced_as_committed(
    ticket: Any, responsible: Any, heard: Heard, django_capture_on_commit_callbacks: Any
) -> None:
    request = _request(ticket, responsible)
    heard.changed.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        out_of_hours.approve_out_of_hours_request(request, responsible)
        raise RuntimeError("the caller fails after deciding")
    assert heard.committed == []
    assert not ticket.events.filter(kind=Kind.OUT_OF_HOURS_APPROVED).exists()
