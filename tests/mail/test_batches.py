"""The importer stores a batch, then routes it in one transaction, a savepoint per message."""

from __future__ import annotations

import pytest

from secondline.mail import intake
from secondline.mail.models import InboundMessage
from secondline.tickets import services as tickets
from secondline.tickets.models import Ticket
from tests.mail.test_intake import plain

Status = InboundMessage.Status


def batch_of(member, subjects: list[str]) -> list[tuple[bytes, str]]:
    return [(plain(member.email, subject=subject), "import:test") for subject in subjects]


def test_a_message_that_fails_in_a_batch_is_quarantined_alone(member, monkeypatch) -> None:
    file_ticket = tickets.file_ticket

    def failing_on_the_third(requester, draft, *args, **kwargs):
        ticket = file_ticket(requester, draft, *args, **kwargs)  # written, then undone
        if draft.subject == "third":
            raise RuntimeError("the filing broke after writing")
        return ticket

    monkeypatch.setattr(tickets, "file_ticket", failing_on_the_third)
    subjects = ["first", "second", "third", "fourth"]
    outcomes = list(intake.ingest_many(batch_of(member, subjects), batch_size=4))
    assert [o.status for o in outcomes] == [Status.TICKET] * 2 + [Status.QUARANTINED, Status.TICKET]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["first", "fourth", "second"]
    third = InboundMessage.objects.get(subject="third")
    assert "the filing broke" in third.error and third.result_ticket is None


def test_the_same_bytes_twice_in_a_batch_are_routed_once(member) -> None:
    batch = batch_of(member, ["once", "other"])
    outcomes = list(intake.ingest_many([batch[0], batch[1], batch[0]], batch_size=3))
    assert [o.status for o in outcomes] == [Status.TICKET, Status.TICKET, Status.DUPLICATE]
    assert Ticket.objects.count() == 2 and InboundMessage.objects.count() == 2


def test_a_batch_whose_routing_dies_leaves_its_messages_stored_for_the_rerun(
    member, monkeypatch
) -> None:
    def dies(*args, **kwargs):
        raise KeyboardInterrupt  # not an Exception: as good as a kill for the transaction

    monkeypatch.setattr(intake, "process", dies)
    with pytest.raises(KeyboardInterrupt):
        list(intake.ingest_many(batch_of(member, ["a", "b", "c"]), batch_size=3))
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {Status.RECEIVED}
    monkeypatch.undo()
    again = list(intake.ingest_many(batch_of(member, ["a", "b", "c"]), batch_size=3))
    assert [o.status for o in again] == [Status.TICKET] * 3
    assert Ticket.objects.count() == 3
