"""The REST API: the same rules and the same access as the portal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from secondline.tickets.models import TicketEvent
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db

INCIDENT = {
    "type": "incident",
    "priority": "high",
    "subject": "Shipments cannot be posted",
    "description": "Posting fails with error 500",
    "occurred_at": "2026-11-20T11:00:00+03:00",
    "impact": "Warehouse blocked",
    "steps_to_reproduce": "Open a shipment, press Post",
}


def test_it_creates_an_incident_with_the_customers_priority(api_as: Any, member: Any) -> None:
    response = api_as(member).post("/api/tickets/", INCIDENT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["priority"] == "high" and body["number"] == f"SL-{body['id']}"
    assert body["reaction_due_at"] and body["sla_state"] == "on_track"


def test_filing_through_the_api_asks_the_database_only_what_it_must(
    api_as: Any, member: Any, django_assert_num_queries: Any
) -> None:
    """Token, the writes (the ticket with its deadlines, audit event, notification, the
    unassigned timer) in one savepoint (the contract with its customer, and the staff who may
    hear of it, are cached); its search document (the row and what the database searches: 2,
    from what is in memory); the short answer reads nothing more: a number that does not grow
    with the data."""
    client = api_as(member)
    assert client.post("/api/tickets/", INCIDENT, format="json").status_code == 201
    with django_assert_num_queries(9):
        response = client.post("/api/tickets/", INCIDENT, format="json")
    assert response.status_code == 201
    answer = response.json()
    full = client.get(f"/api/tickets/{answer['id']}/").json()
    assert full["sla_explanation"]
    assert answer == {name: full[name] for name in answer}


def test_the_answer_to_a_filing_is_short_and_says_what_the_ticket_became(
    api_as: Any, member: Any
) -> None:
    answer = api_as(member).post("/api/tickets/", INCIDENT, format="json").json()
    assert {"id", "number", "priority", "status", "reaction_due_at", "sla_state"} <= set(answer)
    assert "urgent_instructions" in answer and answer["urgent_instructions"] is None
    assert not {"description", "requester", "watchers", "sla_explanation"} & set(answer)


def test_answers_have_the_same_fields_in_each_language(api_as: Any, member: Any) -> None:
    client = api_as(member)
    ticket_id = client.post("/api/tickets/", INCIDENT, format="json").json()["id"]
    english = client.get(f"/api/tickets/{ticket_id}/").json()
    russian = client.get(f"/api/tickets/{ticket_id}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    again = client.get(f"/api/tickets/{ticket_id}/").json()
    assert english == again
    assert set(russian) == set(english)
    assert russian["sla_explanation"] != english["sla_explanation"]


def test_a_consultation_sent_as_urgent_gets_the_plans_priority_and_the_reason(
    api_as: Any, member: Any
) -> None:
    client = api_as(member)
    data = {
        "type": "consultation",
        "priority": "urgent",
        "subject": "Price lists",
        "description": "How?",
    }
    response = client.post("/api/tickets/", data, format="json")
    assert response.status_code == 201
    assert response.json()["priority"] == "normal"
    events = client.get(f"/api/tickets/{response.json()['id']}/events/").json()
    reasons = [e["reason"] for e in events if e["kind"] == "priority_set"]
    assert reasons and "Only incidents" in reasons[0]
    assert "A ticket of type “consultation” gets" in reasons[0]  # not "A consultation", "A update"


def test_an_urgent_incident_answers_with_the_phone_and_steps(
    api_as: Any, member: Any, settings: Any
) -> None:
    response = api_as(member).post(
        "/api/tickets/", {**INCIDENT, "priority": "urgent"}, format="json"
    )
    instructions = response.json()["urgent_instructions"]
    assert instructions["phone"] == settings.SUPPORT_PHONE
    assert any(response.json()["number"] in step for step in instructions["steps"])


def test_another_organisations_ticket_is_a_404(api_as: Any, member: Any, outsider: Any) -> None:
    ticket = file_ticket(member)
    client = api_as(outsider)
    for path in ("", "comments/", "events/", "attachments/"):
        assert client.get(f"/api/tickets/{ticket.pk}/{path}").status_code == 404
    assert client.post(f"/api/tickets/{ticket.pk}/comments/", {"body": "hi"}).status_code == 404
    assert client.patch(f"/api/tickets/{ticket.pk}/", {"subject": "x"}).status_code == 404
    assert ticket.pk not in [t["id"] for t in client.get("/api/tickets/").json()["results"]]


def test_a_manager_changes_priority_and_it_shows_in_the_events(
    api_as: Any, member: Any, manager: Any
) -> None:
    ticket = file_ticket(member)
    client = api_as(manager)
    response = client.post(
        f"/api/tickets/{ticket.pk}/priority/", {"priority": "low", "reason": "Cosmetic"}
    )
    assert response.status_code == 200 and response.json()["priority"] == "low"
    events = api_as(member).get(f"/api/tickets/{ticket.pk}/events/").json()
    change = next(e for e in events if e["kind"] == "priority_changed")
    assert (change["old_value"], change["new_value"], change["reason"]) == (
        "high",
        "low",
        "Cosmetic",
    )


def test_a_priority_change_without_a_reason_is_a_400(
    api_as: Any, member: Any, manager: Any
) -> None:
    ticket = file_ticket(member)
    response = api_as(manager).post(
        f"/api/tickets/{ticket.pk}/priority/", {"priority": "low", "reason": ""}
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_a_customer_changing_priority_is_a_403(api_as: Any, member: Any) -> None:
    ticket = file_ticket(member)
    response = api_as(member).post(
        f"/api/tickets/{ticket.pk}/priority/", {"priority": "urgent", "reason": "x"}
    )
    assert response.status_code == 403


def test_invalid_input_gets_per_field_messages(api_as: Any, member: Any) -> None:
    response = api_as(member).post(
        "/api/tickets/", {"type": "incident", "subject": "x", "description": "y"}, format="json"
    )
    assert response.status_code == 400
    assert {"occurred_at", "impact", "steps_to_reproduce"} <= set(response.json())
    response = api_as(member).post("/api/tickets/", {"type": "party"}, format="json")
    assert response.status_code == 400 and "type" in response.json()


def test_an_outsider_without_contract_gets_a_clear_403(api_as: Any, agent: Any) -> None:
    response = api_as(agent).post("/api/tickets/", INCIDENT, format="json")
    assert response.status_code == 403
    assert "active support contract" in response.json()["detail"]


def test_internal_comments_never_reach_customers(api_as: Any, member: Any, agent: Any) -> None:
    ticket = file_ticket(member)
    api_as(agent).post(f"/api/tickets/{ticket.pk}/comments/", {"body": "secret", "public": False})
    api_as(agent).post(f"/api/tickets/{ticket.pk}/comments/", {"body": "hello", "public": True})
    seen = [c["body"] for c in api_as(member).get(f"/api/tickets/{ticket.pk}/comments/").json()]
    assert seen == ["hello"]
    assert len(api_as(agent).get(f"/api/tickets/{ticket.pk}/comments/").json()) == 2
    kinds = [e["kind"] for e in api_as(member).get(f"/api/tickets/{ticket.pk}/events/").json()]
    assert kinds.count("commented") == 1


def test_attachments_upload_and_download(api_as: Any, member: Any, outsider: Any) -> None:
    ticket = file_ticket(member)
    client = api_as(member)
    upload = SimpleUploadedFile("trace.log", b"Traceback...", content_type="text/plain")
    response = client.post(
        f"/api/tickets/{ticket.pk}/attachments/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    url = response.json()["url"]
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"Traceback..."
    assert api_as(outsider).get(url).status_code == 404


def test_decline_and_status_and_assign(api_as: Any, member: Any, agent: Any, manager: Any) -> None:
    ticket = file_ticket(member)
    client = api_as(manager)
    assert (
        client.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": agent.pk}).json()["assignee"][
            "id"
        ]
        == agent.pk
    )
    assert (
        client.post(f"/api/tickets/{ticket.pk}/assign/", {"assignee": member.pk}).status_code == 400
    )
    assert (
        client.post(f"/api/tickets/{ticket.pk}/status/", {"status": "accepted"}).json()["status"]
        == "accepted"
    )
    response = client.post(
        f"/api/tickets/{ticket.pk}/decline/", {"reason": "duplicate", "note": "See SL-1"}
    )
    assert (
        response.json()["status"] == "declined" and response.json()["decline_reason"] == "duplicate"
    )
    assert ticket.events.filter(kind=TicketEvent.Kind.DECLINED).count() == 1


def test_list_filters(api_as: Any, member: Any, agent: Any) -> None:
    file_ticket(member)
    from tests.factories import consultation_draft

    file_ticket(member, consultation_draft(subject="Price list question"))
    client = api_as(agent)
    assert len(client.get("/api/tickets/?type=consultation").json()["results"]) == 1
    assert len(client.get("/api/tickets/?text=price").json()["results"]) == 1
    assert len(client.get("/api/tickets/?priority=high&status=new").json()["results"]) == 1
    assert client.get("/api/tickets/?updated_since=notadate").status_code == 400


def test_list_query_count_does_not_grow_with_page_size(
    api_as: Any, member: Any, agent: Any, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        file_ticket(member)
    client = api_as(agent)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/tickets/?page_size=5").json()["results"]) == 5
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/tickets/?page_size=30").json()["results"]) == 30


def test_contracts_and_organisations_are_scoped(api_as: Any, member: Any, agent: Any) -> None:
    numbers = [c["number"] for c in api_as(member).get("/api/contracts/").json()]
    assert numbers == ["VL-1"]
    assert len(api_as(agent).get("/api/contracts/").json()) == 2
    orgs = [o["name"] for o in api_as(member).get("/api/organizations/").json()]
    assert orgs == ["Volga Logistics"]


def test_schema_and_docs_are_served(client: Any, db: Any) -> None:
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_unauthenticated_requests_are_refused(client: Any, db: Any) -> None:
    assert client.get("/api/tickets/").status_code in (401, 403)


def test_serializers_bind_their_own_copies_of_the_fields_built_once(member: Any) -> None:
    from secondline.api.serializers import TicketCreateSerializer, TicketSerializer

    first, second = TicketCreateSerializer(data={}), TicketCreateSerializer(data=INCIDENT)
    assert not first.is_valid() and second.is_valid(), second.errors
    assert first.fields["subject"] is not second.fields["subject"]
    assert first.fields["subject"].parent is first and second.fields["subject"].parent is second
    assert getattr(TicketCreateSerializer._declared_fields["subject"], "parent", None) is None
    answers = [TicketSerializer(file_ticket(member)) for _ in range(2)]
    assert answers[0].fields["watchers"].child_relation.parent is answers[0].fields["watchers"]
    assert answers[0].fields["requester"] is not answers[1].fields["requester"]
    assert answers[0].data["id"] != answers[1].data["id"]
