"""The seam of the ticket core: each verb announces its action once, the committed signal
leaves only after the commit, and a failing listener never breaks the others."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from secondline.tickets import attachments, services, watchers
from secondline.tickets.choices import Priority, Status
from secondline.tickets.models import Ticket, TicketEvent
from secondline.tickets.signals import Change, ticket_committed
from tests.factories import consultation_draft, file_ticket
from tests.listeners import Heard

pytestmark = pytest.mark.django_db

Kind = TicketEvent.Kind
Verb = Callable[[Ticket, Any], object]


def _upload() -> attachments.UploadedFile:
    return attachments.UploadedFile("log.txt", ContentFile(b"error 500"), 9)


# One row per verb of tickets/services.py: what it does to a ticket the member filed, and the
# kind of event it announces. `p` holds the personas.
VERBS: list[tuple[str, Verb, str]] = [
    ("comment", lambda t, p: services.add_comment(t, p.agent, "Looking"), Kind.COMMENTED),
    ("note", lambda t, p: services.add_comment(t, p.agent, "Hm", public=False), Kind.COMMENTED),
    (
        "status",
        lambda t, p: services.change_status(t, p.agent, Status.IN_PROGRESS),
        Kind.STATUS_CHANGED,
    ),
    (
        "priority",
        lambda t, p: services.change_priority(t, p.agent, Priority.LOW, "Only one user"),
        Kind.PRIORITY_CHANGED,
    ),
    ("decline", lambda t, p: services.decline_ticket(t, p.agent, "duplicate"), Kind.DECLINED),
    ("assign", lambda t, p: services.assign(t, p.agent, p.agent), Kind.ASSIGNED),
    (
        "edit",
        lambda t, p: services.update_ticket(t, p.member, {"subject": "Posting fails"}),
        Kind.FIELD_CHANGED,
    ),
    ("watch", lambda t, p: watchers.add_watcher(t, p.member, p.responsible), Kind.WATCHER_ADDED),
    ("attach", lambda t, p: attachments.add_attachment(t, p.member, _upload()), Kind.ATTACHED),
]


def test_it_announces_the_filing_once_with_the_watchers(
    personas: Any, heard: Heard, django_capture_on_commit_callbacks: Any
) -> None:
    draft = consultation_draft(watchers=[personas.responsible])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file_ticket(personas.member, draft)
    # The plan's priority is an audit line of its own, but the filing is one action.
    assert ticket.events.filter(kind=Kind.PRIORITY_SET).exists()
    assert heard.changed_kinds() == [Kind.CREATED]
    assert heard.committed_kinds() == [Kind.CREATED]
    change = heard.changed[0]
    assert change.ticket == ticket
    assert change.watchers == [personas.responsible]


@pytest.mark.parametrize(
    ("verb", "kind"), [(v, k) for _, v, k in VERBS], ids=[n for n, *_ in VERBS]
)
def test_each_verb_announces_its_event(
    personas: Any, heard: Heard, django_capture_on_commit_callbacks: Any, verb: Verb, kind: str
) -> None:
    ticket = file_ticket(personas.member)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        verb(ticket, personas)
    assert heard.changed_kinds() == [kind]
    assert heard.committed_kinds() == [kind]
    # What is announced is the saved audit line, the latest on the ticket.
    assert heard.changed[0].event == ticket.events.latest("pk")


def test_removing_a_watcher_and_reopening_are_announced(
    personas: Any, heard: Heard, django_capture_on_commit_callbacks: Any
) -> None:
    ticket = file_ticket(personas.member)
    watchers.add_watcher(ticket, personas.member, personas.responsible)
    services.change_status(ticket, personas.agent, Status.RESOLVED)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        watchers.remove_watcher(ticket, personas.member, personas.responsible)
        services.reopen(ticket, personas.member, reason="Still fails")
    assert heard.committed_kinds() == [Kind.WATCHER_REMOVED, Kind.STATUS_CHANGED]


def test_a_customers_answer_is_one_announcement_with_its_comment(
    personas: Any, heard: Heard
) -> None:
    ticket = file_ticket(personas.member)
    services.change_status(ticket, personas.agent, Status.WAITING_FOR_CUSTOMER)
    heard.clear()
    comment = services.add_comment(ticket, personas.member, "Here is the log")
    # The answer also moves the ticket back in progress: audited, but announced as one action.
    assert ticket.events.filter(kind=Kind.STATUS_CHANGED).count() == 2
    assert heard.changed_kinds() == [Kind.COMMENTED]
    assert heard.changed[0].comment == comment


def test_a_refused_action_announces_nothing(personas: Any, heard: Heard) -> None:
    ticket = file_ticket(personas.member)
    heard.clear()
    with pytest.raises(ValidationError) as refused:
        services.change_priority(ticket, personas.agent, Priority.LOW, "")
    assert set(refused.value.message_dict) == {"reason"}
    assert heard.changed == [] and heard.committed == []


def test_committed_arrives_only_after_the_commit(
    personas: Any, heard: Heard, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            file_ticket(personas.member)
            services.add_comment(Ticket.objects.get(), personas.agent, "On it")
            assert heard.changed_kinds() == [Kind.CREATED, Kind.COMMENTED]
            assert heard.committed == []
        assert heard.committed == []  # the test's own transaction has not committed yet
    assert heard.committed_kinds() == [Kind.CREATED, Kind.COMMENTED]


class Boom(Exception):
    pass


def test_committed_never_arrives_when_the_transaction_rolls_back(
    personas: Any, heard: Heard, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Boom),
        transaction.atomic(),
    ):
        file_ticket(personas.member)
        raise Boom
    assert heard.changed_kinds() == [Kind.CREATED]  # heard inside, rolled back with the change
    assert heard.committed == []
    assert callbacks == []
    assert not Ticket.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_real_commits_committed_follows_the_commit_or_nothing(personas: Any) -> None:
    from tests.listeners import listening

    with listening() as heard:
        with transaction.atomic():
            ticket = file_ticket(personas.member)
            assert heard.committed == []
        assert heard.committed_kinds() == [Kind.CREATED]
        heard.clear()
        with pytest.raises(Boom), transaction.atomic():
            services.add_comment(ticket, personas.agent, "Never sent")
            raise Boom
        assert heard.changed_kinds() == [Kind.COMMENTED]
        assert heard.committed == []
    assert not ticket.comments.exists()


def test_a_failing_committed_receiver_is_logged_and_the_others_still_hear(
    personas: Any,
    heard: Heard,
    django_capture_on_commit_callbacks: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(sender: Any, change: Change, **kwargs: Any) -> None:
        raise RuntimeError("the gateway is down")

    ticket_committed.connect(broken, weak=False, dispatch_uid="tests.broken")
    try:
        with (
            caplog.at_level(logging.ERROR, logger="secondline.tickets.signals"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            ticket = file_ticket(personas.member)
    finally:
        ticket_committed.disconnect(dispatch_uid="tests.broken")
    assert Ticket.objects.filter(pk=ticket.pk).exists()  # the change stands
    assert heard.committed_kinds() == [Kind.CREATED]
    [record] = [r for r in caplog.records if r.name == "secondline.tickets.signals"]
    assert "broken" in record.getMessage()
    assert f"created of ticket {ticket.pk}" in record.getMessage()
    assert isinstance(record.exc_info[1], RuntimeError)  # type: ignore[index]


def test_the_listener_is_gone_after_the_block(personas: Any) -> None:
    from tests.listeners import listening

    with listening() as heard:
        pass
    file_ticket(personas.member)
    assert heard.changed == []
