"""Mail a mailing list delivered is never answered (RFC 3834 section 2): the answer would go to
the list and every subscriber. What a contact wrote through a list is still filed."""

from __future__ import annotations

import pytest
from django.core import mail

from secondline.mail import intake
from secondline.mail.automatic import LIST_HEADERS
from secondline.mail.models import InboundMessage, SenderReply
from secondline.mail.parse import parse
from tests.mail.test_intake import plain

Status = InboundMessage.Status

LIST = {
    "List_Id": "Customer staff <staff.lists.customer.example>",
    "List_Post": "<mailto:staff@lists.customer.example>",
    "List_Unsubscribe": "<mailto:staff-leave@lists.customer.example>",
}


def test_an_unknown_list_gets_no_answer(db, sent) -> None:
    raw = plain("Some Group <group@lists.example>", subject="Weekly digest", **LIST)
    with sent():
        outcome = intake.ingest_message(raw, source="pipe")
    assert outcome.status == Status.QUARANTINED
    assert "not a known contact" in outcome.message.error
    assert not SenderReply.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize("name", LIST_HEADERS)
def test_any_list_header_alone_stops_the_answer(db, sent, name) -> None:
    raw = plain("group@lists.example", **{name.replace("-", "_"): "<group.lists.example>"})
    assert parse(raw).suppress_auto_replies
    with sent():
        intake.ingest_message(raw, source="pipe")
    assert mail.outbox == []


def test_an_empty_list_header_is_no_list(db) -> None:
    assert not parse(plain("someone@elsewhere.example", List_Id=" ")).suppress_auto_replies


def test_a_contacts_message_through_their_own_list_is_filed(member, sent) -> None:
    """A contact may write to the desk through their company's list: a person's request, filed
    as usual; the acknowledgement goes to them, not to the list."""
    raw = plain(member.email, subject="Отчёт не строится", body="Помогите", **LIST)
    with sent():
        outcome = intake.ingest_message(raw, source="pipe")
    assert outcome.status == Status.TICKET, outcome.message.error
    assert outcome.message.result_ticket.requester == member
    assert {address for message in mail.outbox for address in message.to} == {member.email}


def test_a_list_that_says_precedence_list_is_still_set_aside(member) -> None:
    raw = plain(member.email, Precedence="list", **LIST)
    outcome = intake.ingest_message(raw, source="pipe")
    assert outcome.status == Status.QUARANTINED
    assert "Precedence: list" in outcome.message.error
