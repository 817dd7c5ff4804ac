"""The billing REST API: same permissions as the services, clear 400s, exports."""

from __future__ import annotations

from typing import Any

import pytest

from secondline.billing import out_of_hours
from secondline.billing.models import OutOfHoursRequest
from tests.billing.conftest import msk


def test_an_agent_logs_work_and_the_customer_sees_it_without_the_internal_note(
    api_as: Any, ticket: Any, agent: Any, member: Any, outsider: Any
) -> None:
    created = api_as(agent).post(
        "/api/worklogs/",
        {
            "ticket": ticket.pk,
            "activity": "fix",
            "started_at": "2024-11-01T18:30:00+03:00",
            "ended_at": "2024-11-01T20:00:00+03:00",
            "description": "Patched the posting job",
            "internal_note": "Customer's DBA was rude",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["business_seconds"], body["out_of_hours_seconds"]) == (1800, 3600)
    assert body["out_of_hours_status"] == "unverified"
    assert body["internal_note"] == "Customer's DBA was rude"

    seen = api_as(member).get(f"/api/worklogs/?ticket={ticket.pk}").json()["results"]
    assert [log["description"] for log in seen] == ["Patched the posting job"]
    assert "internal_note" not in seen[0]
    assert api_as(outsider).get("/api/worklogs/").json()["results"] == []
    assert api_as(outsider).get(f"/api/worklogs/{body['id']}/").status_code == 404


def test_bad_work_logs_get_per_field_errors(api_as: Any, ticket: Any, agent: Any) -> None:
    answer = api_as(agent).post(
        "/api/worklogs/",
        {"ticket": ticket.pk, "activity": "fix", "started_at": "2024-11-01T18:30:00+03:00"},
        format="json",
    )
    assert answer.status_code == 400
    assert "ended_at" in answer.json()
    answer = api_as(agent).post("/api/worklogs/", {"ticket": "x"}, format="json")
    assert answer.status_code == 400
    assert {"ticket", "activity", "started_at"} <= set(answer.json())


def test_a_customer_cannot_log_work(api_as: Any, ticket: Any, responsible: Any) -> None:
    answer = api_as(responsible).post(
        "/api/worklogs/",
        {
            "ticket": ticket.pk,
            "activity": "fix",
            "started_at": "2024-11-01T11:00:00+03:00",
            "duration_minutes": 30,
        },
        format="json",
    )
    assert answer.status_code == 403


def test_both_parties_approve_a_request_through_the_api(
    api_as: Any, ticket: Any, log: Any, agent: Any, manager: Any, responsible: Any, member: Any
) -> None:
    work = log(ticket, msk(2024, 11, 3, 12), msk(2024, 11, 3, 14))
    created = api_as(agent).post(
        "/api/out-of-hours-requests/",
        {"ticket": ticket.pk, "reason": "Weekend hotfix", "worklogs": [work.pk]},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["out_of_hours_rate"] == "8000.00"
    url = f"/api/out-of-hours-requests/{pk}/"
    assert api_as(member).post(url + "approve/", {}, format="json").status_code == 403
    assert api_as(agent).post(url + "approve/", {}, format="json").status_code == 403
    assert api_as(responsible).post(url + "approve/", {}, format="json").status_code == 200
    done = api_as(manager).post(url + "approve/", {"comment": "ok"}, format="json")
    assert done.json()["status"] == OutOfHoursRequest.Status.APPROVED
    work.refresh_from_db()
    assert work.billed_out_of_hours_minutes == 120
    rejected = api_as(responsible).post(url + "reject/", {"comment": "no"}, format="json")
    assert rejected.status_code == 400


def test_an_outsider_cannot_see_or_decide_a_request(
    api_as: Any, ticket: Any, responsible: Any, personas: Any
) -> None:
    request = out_of_hours.raise_out_of_hours_request(
        ticket,
        responsible,
        window_start=msk(2024, 11, 3, 10),
        window_end=msk(2024, 11, 3, 12),
        reason="Weekend",
        estimated_hours="2",
    )
    outsider = api_as(personas.outsider_responsible)
    assert outsider.get("/api/out-of-hours-requests/").json() == []
    url = f"/api/out-of-hours-requests/{request.pk}/approve/"
    assert outsider.post(url, {}, format="json").status_code == 404


def test_statements_through_the_api(
    api_as: Any,
    personas: Any,
    ticket: Any,
    log: Any,
    manager: Any,
    responsible: Any,
    member: Any,
    outsider: Any,
) -> None:
    log(ticket, msk(2024, 11, 1, 10), msk(2024, 11, 1, 12))
    generate = {"contract": personas.contract.pk, "period": "2024-11-15"}
    assert api_as(responsible).post("/api/statements/", generate, format="json").status_code == 403
    created = api_as(manager).post("/api/statements/", generate, format="json")
    assert created.status_code == 201, created.content
    statement = created.json()
    assert statement["total_amount"] == "8000.00"
    assert len(statement["lines"]) == 1
    url = f"/api/statements/{statement['id']}/"
    assert api_as(member).get(url).status_code == 404  # a draft is the contractor's
    assert api_as(manager).post(url + "issue/").status_code == 200
    assert api_as(member).get(url).status_code == 200
    assert api_as(outsider).get(url).status_code == 404
    assert api_as(member).post(url + "approve/").status_code == 403
    line = statement["lines"][0]["id"]
    disputed = api_as(responsible).post(
        url + "dispute/", {"line": line, "comment": "Too long"}, format="json"
    )
    assert disputed.json()["status"] == "disputed"
    assert disputed.json()["lines"][0]["dispute_comment"] == "Too long"
    csv = api_as(responsible).get(url + "csv/?lang=ru")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Итого" in csv.content.decode()
    pdf = api_as(responsible).get(url + "pdf/")
    assert pdf.content.startswith(b"%PDF")


def test_the_schema_documents_the_billing_endpoints(api_as: Any, agent: Any) -> None:
    schema = api_as(agent).get("/api/schema/?format=json").json()
    assert "/api/worklogs/" in schema["paths"]
    assert "/api/statements/{id}/dispute/" in schema["paths"]


@pytest.mark.parametrize(
    ("started_at", "extra"),
    [
        ("0001-01-01T00:00:00+03:00", {"duration_minutes": 60}),
        ("0001-01-01T10:00:00Z", {"ended_at": "0001-01-01T11:00:00Z"}),
        ("1999-12-31T10:00:00Z", {"duration_minutes": 60}),
        ("9999-12-31T23:30:00Z", {"duration_minutes": 60}),
        ("9999-12-31T23:30:00-03:00", {"duration_minutes": 60}),
    ],
)
def test_a_work_log_out_of_any_real_time_is_a_400_per_field(
    api_as: Any, ticket: Any, agent: Any, started_at: str, extra: dict[str, Any]
) -> None:
    body = {"ticket": ticket.pk, "activity": "fix", "started_at": started_at, **extra}
    answer = api_as(agent).post("/api/worklogs/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert list(answer.json()) == ["started_at", *(["ended_at"] if "ended_at" in extra else [])]


def test_a_work_log_cannot_be_moved_to_year_1_either(api_as: Any, ticket: Any, agent: Any) -> None:
    body = {"ticket": ticket.pk, "activity": "fix", "started_at": "2024-11-05T10:00:00+03:00"}
    created = api_as(agent).post("/api/worklogs/", {**body, "duration_minutes": 30}, format="json")
    assert created.status_code == 201, created.content
    moved = api_as(agent).patch(
        f"/api/worklogs/{created.json()['id']}/",
        {"started_at": "0001-01-01T00:00:00Z", "ended_at": "0001-01-01T01:00:00Z"},
        format="json",
    )
    assert moved.status_code == 400 and list(moved.json()) == ["started_at", "ended_at"]
