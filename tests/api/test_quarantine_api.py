"""The email quarantine through the API (secondline/api/quarantine.py): list, accept a reply
as its sender's, file as a ticket, discard as spam, retry; the desk's rules (mail.quarantine),
for the contractor's staff only, bad input a 400 per field."""

from __future__ import annotations

from typing import Any

import pytest

from secondline.mail.models import InboundMessage
from secondline.tickets.models import Comment
from tests.factories import file_ticket
from tests.mail.test_quarantine import _quarantined_from, _unproven_reply

pytestmark = pytest.mark.django_db
Status = InboundMessage.Status


def test_an_agent_lists_the_quarantine_by_tab(api_as: Any, agent: Any) -> None:
    first = _quarantined_from("someone@gmail.example", "Price lists")
    second = _quarantined_from("other@gmail.example", "Invoices")
    client = api_as(agent)
    listing = client.get("/api/quarantine/").json()["results"]
    assert [m["id"] for m in listing] == [second.pk, first.pk]
    assert listing[0]["sender"] == "other@gmail.example" and listing[0]["reason"] == second.error
    assert "raw" not in listing[0]
    assert client.get("/api/quarantine/", {"status": "discarded"}).json()["results"] == []
    refused = client.get("/api/quarantine/", {"status": "ticket"})
    assert refused.status_code == 400 and list(refused.json()) == ["status"]
    assert client.get(f"/api/quarantine/{first.pk}/").json()["subject"] == "Price lists"


def test_an_agent_accepts_an_unproven_reply_as_its_senders(
    api_as: Any, agent: Any, member: Any
) -> None:
    ticket = file_ticket(member)
    message = _unproven_reply(member.email, ticket)
    answer = api_as(agent).post(f"/api/quarantine/{message.pk}/accept/")
    assert answer.status_code == 200
    comment = Comment.objects.get(pk=answer.json()["comment"])
    assert answer.json()["ticket"] == ticket.pk and comment.author == member
    assert ticket.events.get(field="sender_proof").actor == agent
    again = api_as(agent).post(f"/api/quarantine/{message.pk}/accept/")
    assert again.status_code == 400 and "non_field_errors" in again.json()


def test_an_agent_files_a_message_as_a_ticket(api_as: Any, agent: Any, member: Any) -> None:
    message = _quarantined_from("someone@gmail.example", "[Incident] Orders stuck")
    client = api_as(agent)
    refused = client.post(f"/api/quarantine/{message.pk}/ticket/", {}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["contact"]
    wrong = client.post(
        f"/api/quarantine/{message.pk}/ticket/",
        {"contact": agent.pk, "ticket_type": "saga"},
        format="json",
    )
    assert wrong.status_code == 400 and sorted(wrong.json()) == ["contact", "ticket_type"]
    answer = client.post(
        f"/api/quarantine/{message.pk}/ticket/", {"contact": member.pk}, format="json"
    )
    assert answer.status_code == 201 and answer.json()["status"] == Status.TICKET
    message.refresh_from_db()
    assert message.result_ticket.requester == member
    assert message.result_ticket.created_at == message.received_at


def test_an_agent_discards_spam_with_a_reason(api_as: Any, agent: Any) -> None:
    one = _quarantined_from("spam@gmail.example", "Cheap watches")
    two = _quarantined_from("spam2@gmail.example", "Cheap pills")
    three = _quarantined_from("spam3@gmail.example", "Cheap loans")
    client = api_as(agent)
    blank = client.post(f"/api/quarantine/{one.pk}/discard/", {"reason": "  "}, format="json")
    assert blank.status_code == 400 and list(blank.json()) == ["reason"]
    answer = client.post(f"/api/quarantine/{one.pk}/discard/", {"reason": "Advertising"})
    assert answer.status_code == 200
    assert answer.json()["status"] == Status.DISCARDED
    assert answer.json()["discard_reason"] == "Advertising"
    assert answer.json()["discarded_by"] == agent.display_name
    again = client.post(f"/api/quarantine/{one.pk}/discard/", {"reason": "Advertising"})
    assert again.status_code == 400
    many = client.post(
        "/api/quarantine/discard/",
        {"messages": [one.pk, two.pk, three.pk], "reason": "Phishing"},
        format="json",
    )
    assert many.status_code == 200
    assert sorted(m["id"] for m in many.json()) == [two.pk, three.pk]  # one was already
    nothing = client.post("/api/quarantine/discard/", {"messages": [], "reason": "x"})
    assert nothing.status_code == 400 and list(nothing.json()) == ["messages"]
    listed = client.get("/api/quarantine/", {"status": "discarded"}).json()["results"]
    assert sorted(m["id"] for m in listed) == [one.pk, two.pk, three.pk]


def test_a_retried_message_is_filed_once_its_sender_is_a_contact(
    api_as: Any, agent: Any, personas: Any
) -> None:
    from tests.factories import UserFactory

    message = _quarantined_from("new.person@volga.example")
    UserFactory(email="new.person@volga.example", organization=personas.customer)
    answer = api_as(agent).post(f"/api/quarantine/{message.pk}/retry/")
    assert answer.status_code == 200 and answer.json()["status"] == Status.TICKET


@pytest.mark.parametrize("persona", ["member", "responsible", "outsider"])
def test_customers_have_no_quarantine(api_as: Any, personas: Any, persona: str) -> None:
    message = _quarantined_from("spam@gmail.example")
    client = api_as(getattr(personas, persona))
    assert client.get("/api/quarantine/").status_code == 403
    assert client.get(f"/api/quarantine/{message.pk}/").status_code == 403
    for action in ("accept", "retry", "ticket"):
        assert client.post(f"/api/quarantine/{message.pk}/{action}/").status_code == 403
    discard = client.post(f"/api/quarantine/{message.pk}/discard/", {"reason": "mine"})
    assert discard.status_code == 403
    message.refresh_from_db()
    assert message.status == Status.QUARANTINED
