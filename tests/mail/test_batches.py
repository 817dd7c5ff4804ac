"""The importer stores a batch (one lookup, one insert), then routes it in one transaction."""

from __future__ import annotations

import pytest

from secondline.mail import batches, intake, notes
from secondline.mail.models import InboundMessage
from secondline.search import documents
from secondline.search.models import TicketDocument
from secondline.search.queries import search
from secondline.tickets import services as tickets
from secondline.tickets.models import Ticket
from tests.mail.test_intake import plain

Status = InboundMessage.Status
TEXTS = ("ticket_id", "subject", "people", "public_text", "staff_text")


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
    outcomes = list(batches.ingest_many(batch_of(member, subjects), batch_size=4))
    assert [o.status for o in outcomes] == [Status.TICKET] * 2 + [Status.QUARANTINED, Status.TICKET]
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["first", "fourth", "second"]
    third = InboundMessage.objects.get(subject="third")
    assert "the filing broke" in third.error and third.result_ticket is None
    assert third.attempts == 1 and third.processed_at is not None


def test_the_same_bytes_twice_in_a_batch_are_routed_once(member) -> None:
    batch = batch_of(member, ["once", "other"])
    outcomes = list(batches.ingest_many([batch[0], batch[1], batch[0]], batch_size=3))
    assert [o.status for o in outcomes] == [Status.TICKET, Status.TICKET, Status.DUPLICATE]
    assert Ticket.objects.count() == 2 and InboundMessage.objects.count() == 2


def test_a_batch_whose_routing_dies_leaves_its_messages_stored_for_the_rerun(
    member, monkeypatch
) -> None:
    def dies(*args, **kwargs):
        raise KeyboardInterrupt  # not an Exception: as good as a kill for the transaction

    monkeypatch.setattr(intake, "route", dies)
    with pytest.raises(KeyboardInterrupt):
        list(batches.ingest_many(batch_of(member, ["a", "b", "c"]), batch_size=3))
    assert set(InboundMessage.objects.values_list("status", flat=True)) == {Status.RECEIVED}
    monkeypatch.undo()
    again = list(batches.ingest_many(batch_of(member, ["a", "b", "c"]), batch_size=3))
    assert [o.status for o in again] == [Status.TICKET] * 3
    assert Ticket.objects.count() == 3


def settle_as_quarantined(message, *args, **kwargs) -> None:
    message.settle(Status.QUARANTINED, "routed elsewhere")


def test_a_batch_is_stored_with_one_lookup_and_one_insert(
    member, monkeypatch, django_assert_num_queries
) -> None:
    monkeypatch.setattr(batches, "_route_batch", lambda stored, answer: [])
    batch = batch_of(member, [f"Problem {n}" for n in range(20)])
    # savepoint, the hashes already there, one INSERT of the 20, release
    with django_assert_num_queries(4):
        list(batches.ingest_many(batch, batch_size=20))
    assert InboundMessage.objects.count() == 20


@pytest.mark.parametrize("size", [5, 20])
def test_a_batch_is_claimed_at_once_and_each_routed_in_a_savepoint(
    member, monkeypatch, django_assert_num_queries, size
) -> None:
    monkeypatch.setattr(intake, "route", settle_as_quarantined)
    batch = batch_of(member, [f"Problem {n}" for n in range(size)])
    # the store (4, as above); then the routing's savepoint, the senders' contacts, the
    # claim of the whole batch, per message a savepoint around its routing and the result,
    # release
    with django_assert_num_queries(4 + 4 + 3 * size):
        outcomes = list(batches.ingest_many(batch, batch_size=size))
    assert [o.status for o in outcomes] == [Status.QUARANTINED] * size
    assert set(InboundMessage.objects.values_list("status", "attempts")) == {
        (Status.QUARANTINED, 1)
    }


def test_messages_another_worker_claimed_are_left_to_it(member, monkeypatch) -> None:
    batch = batch_of(member, ["mine", "theirs", "also mine"])
    claim = batches._claim_batch

    def another_worker_first(pks: list[int]) -> set[int]:
        theirs = InboundMessage.objects.get(subject="theirs")
        theirs.settle(Status.TICKET)  # as if another worker had routed it and committed
        theirs.save(update_fields=["status", "error"])
        return claim(pks)

    monkeypatch.setattr(batches, "_claim_batch", another_worker_first)
    outcomes = list(batches.ingest_many(batch, batch_size=3))
    assert [o.status for o in outcomes] == [Status.TICKET] * 3
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["also mine", "mine"]
    assert InboundMessage.objects.get(subject="theirs").attempts == 0


def test_a_batch_finds_the_messages_stored_before(member) -> None:
    earlier, new = batch_of(member, ["earlier", "new"])
    first = intake.ingest_message(earlier[0], source="pipe")
    outcomes = list(batches.ingest_many([earlier, new], batch_size=2))
    assert [o.status for o in outcomes] == [Status.DUPLICATE, Status.TICKET]
    assert outcomes[0].message.pk == first.message.pk
    assert InboundMessage.objects.count() == 2


def amber_and_its_reply(member) -> list[tuple[bytes, str]]:
    """A new ticket's message and a reply to it by In-Reply-To, as an import's batch."""
    opening = plain(member.email, subject="Amber", Message_ID="<amber@customer.example>")
    reply = plain(
        member.email,
        subject="Re: Amber",
        body="Bronze logs attached.",
        In_Reply_To="<amber@customer.example>",
    )
    return [(raw, "import:test") for raw in (opening, reply)]


def test_bytes_another_worker_stores_meanwhile_are_stored_once(member, monkeypatch) -> None:
    earlier, new = batch_of(member, ["earlier", "new"])
    intake.store(earlier[0], "pipe")  # stored, not routed: as if another worker were at it
    # That worker's row is not there yet when the batch looks; the insert finds it.
    monkeypatch.setattr(InboundMessage.objects, "in_bulk", lambda *args, **kwargs: {})
    outcomes = list(batches.ingest_many([earlier, new], batch_size=2))
    assert [o.status for o in outcomes] == [Status.TICKET, Status.TICKET]
    assert InboundMessage.objects.count() == 2 and Ticket.objects.count() == 2


# An undone filing's id is given again to the next ticket (SQLite), or to none when it is last.
@pytest.mark.parametrize("last", [["Cobalt", "Diamond"], ["Diamond", "Cobalt"]])
def test_a_batchs_new_tickets_are_findable_once_it_commits_and_none_of_an_undone_filing(
    member, agent, monkeypatch, last
) -> None:
    file_ticket = tickets.file_ticket

    def failing_on_cobalt(requester, draft, *args, **kwargs):
        ticket = file_ticket(requester, draft, *args, **kwargs)  # its id may be given again
        if draft.subject == "Cobalt":
            raise RuntimeError("the filing broke after writing")
        return ticket

    monkeypatch.setattr(tickets, "file_ticket", failing_on_cobalt)
    batch = amber_and_its_reply(member)
    batch += batch_of(member, last)
    outcomes = {o.message.subject: o for o in batches.ingest_many(batch, batch_size=4)}
    assert outcomes["Cobalt"].status == Status.QUARANTINED
    amber, diamond = (
        outcomes["Amber"].message.result_ticket,
        outcomes["Diamond"].message.result_ticket,
    )
    assert outcomes["Re: Amber"].message.result_ticket == amber
    assert [list(search(agent, word)) for word in ("amber", "bronze", "cobalt", "diamond")] == [
        [amber],
        [amber],
        [],
        [diamond],
    ]
    documented = TicketDocument.objects.values_list("ticket_id", flat=True)
    assert sorted(documented) == sorted(Ticket.objects.values_list("pk", flat=True))
    filed = list(TicketDocument.objects.order_by("pk").values_list(*TEXTS))
    documents.rebuild(Ticket.objects.all())
    assert list(TicketDocument.objects.order_by("pk").values_list(*TEXTS)) == filed


def test_a_new_ticket_keeps_its_document_when_a_reply_to_it_in_the_batch_is_undone(
    member, agent, monkeypatch
) -> None:
    def breaks_after_writing(ticket, message, parsed) -> None:
        if parsed.subject == "Re: Amber":
            raise RuntimeError("the routing broke after the comment was written")

    monkeypatch.setattr(notes, "note_on_ticket", breaks_after_writing)
    batch = amber_and_its_reply(member)
    opened, answered = batches.ingest_many(batch, batch_size=2)
    assert (opened.status, answered.status) == (Status.TICKET, Status.QUARANTINED)
    assert list(search(agent, "amber")) == [opened.message.result_ticket]
    assert list(search(agent, "bronze")) == []
