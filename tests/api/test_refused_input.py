"""Input that the API refuses with a 400 (or a uniform 404), never crashes on: the findings of
the security probe, one test each (docs/security.md lists them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000 + "]" * 100_000


def test_a_deeply_nested_body_to_the_token_endpoint_is_a_400(db: Any) -> None:
    response = APIClient().post("/api/auth/token/", DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize(
    "path", ["/api/tickets/", "/api/worklogs/", "/api/statements/", "/api/releases/plans/"]
)
def test_a_deeply_nested_body_is_a_400_on_every_json_endpoint(
    api_as: Any, agent: Any, path: str
) -> None:
    response = api_as(agent).post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_malformed_json_stays_a_400(db: Any) -> None:
    response = APIClient().post("/api/auth/token/", "{", content_type="application/json")
    assert response.status_code == 400


def test_the_nesting_refusal_is_said_in_russian(db: Any) -> None:
    response = APIClient().post(
        "/api/auth/token/", DEEP, content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Ошибка разбора JSON: слишком глубокая вложенность."


@pytest.mark.parametrize(
    "since",
    ["2026-01-01T10:00:00+16:00", "2026-01-01T10:00:00-15:30", "2026-01-01T10:00:00+23:59"],
)
def test_an_offset_no_clock_uses_is_a_400_on_the_ticket_list(
    api_as: Any, member: Any, since: str
) -> None:
    """PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows; none is used beyond
    ±14:00 (Kiribati), so the API refuses those itself, per field (the worklog list too)."""
    client = api_as(member)
    for path, name in [("/api/tickets/", "updated_since"), ("/api/worklogs/", "since")]:
        response = client.get(path, {name: since})
        assert response.status_code == 400, (path, response.content)
        assert list(response.json()) == [name]
        assert "+14:00" in response.json()[name][0]


@pytest.mark.parametrize(
    "since", ["2026-01-01T10:00:00+14:00", "2026-01-01T10:00:00-12:00", "0001-01-01T00:00:00Z"]
)
def test_any_offset_a_clock_uses_is_served(api_as: Any, member: Any, since: str) -> None:
    assert api_as(member).get("/api/tickets/", {"updated_since": since}).status_code == 200


def test_a_moment_before_the_first_utc_day_is_a_400(api_as: Any, member: Any) -> None:
    response = api_as(member).get("/api/tickets/", {"updated_since": "0001-01-01T00:00:00+03:00"})
    assert response.status_code == 400
    assert list(response.json()) == ["updated_since"]


# -- the API refuses what the portal refuses -------------------------------------------------


@pytest.fixture
def watched(personas: Any) -> Any:
    """A ticket of Volga's watched by an agent and by Volga's responsible person."""
    from secondline.tickets import watchers
    from tests.factories import file_ticket

    ticket = file_ticket(personas.member)
    watchers.add_watcher(ticket, personas.agent, personas.agent)
    watchers.add_watcher(ticket, personas.agent, personas.responsible)
    return ticket


def test_a_customer_cannot_remove_a_staff_watcher_through_the_api(
    api_as: Any, watched: Any, member: Any, agent: Any, responsible: Any
) -> None:
    url = f"/api/tickets/{watched.pk}/watchers/"
    refused = api_as(member).delete(url, {"user": agent.pk}, format="json")
    assert refused.status_code == 403
    assert "own colleagues" in refused.json()["detail"]
    assert api_as(member).delete(url, {"user": responsible.pk}, format="json").status_code == 200
    assert list(watched.watchers.all()) == [agent]
    assert api_as(agent).delete(url, {"user": agent.pk}, format="json").status_code == 200
    assert not watched.watchers.exists()


def test_a_customer_cannot_remove_a_staff_watcher_in_the_portal(
    watched: Any, member: Any, agent: Any, responsible: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(member)
    url = f"/tickets/{watched.pk}/watchers/"
    refused = client.post(url, {"remove": agent.pk}, follow=True)
    assert "own colleagues" in refused.content.decode()
    client.post(url, {"remove": responsible.pk})
    assert list(watched.watchers.all()) == [agent]


# -- another customer's ids get the answer a missing id gets, byte for byte -----------------

MISSING = 2**62


def _same(first: Any, second: Any) -> None:
    assert (first.status_code, first.content) == (second.status_code, second.content)


def test_another_customers_contract_is_no_such_contract(api_as: Any, personas: Any) -> None:
    client = api_as(personas.member)
    body = {"type": "consultation", "subject": "Price lists", "description": "How?"}
    foreign = client.post("/api/tickets/", {**body, "contract": personas.other_contract.pk})
    missing = client.post("/api/tickets/", {**body, "contract": MISSING})
    assert foreign.status_code == 400
    _same(foreign, missing)


@pytest.mark.parametrize("who", ["member", "agent"])
def test_another_customers_person_is_no_such_user(
    api_as: Any, personas: Any, watched: Any, who: str
) -> None:
    client = api_as(getattr(personas, who))
    base = f"/api/tickets/{watched.pk}"
    calls = [
        (client.post, f"{base}/watchers/", "user"),
        (client.delete, f"{base}/watchers/", "user"),
        (client.post, f"{base}/assign/", "assignee"),
    ]
    for send, url, field in calls:
        foreign = send(url, {field: personas.outsider.pk}, format="json")
        missing = send(url, {field: MISSING}, format="json")
        assert foreign.status_code in (400, 403), (url, foreign.content)
        _same(foreign, missing)


def test_another_customers_work_log_is_no_such_work_log(api_as: Any, personas: Any) -> None:
    from secondline.billing import worklogs
    from tests.factories import file_ticket, filed_long_ago

    theirs = filed_long_ago(file_ticket(personas.outsider_responsible))
    log = worklogs.log_work(
        theirs,
        personas.agent,
        worklogs.WorkEntry("fix", theirs.created_at, duration=dt.timedelta(hours=1)),
    )
    ours = file_ticket(personas.member)
    body = {
        "ticket": ours.pk,
        "window_start": "2026-01-10T20:00:00+03:00",
        "window_end": "2026-01-10T22:00:00+03:00",
        "reason": "Evening",
        "estimated_hours": "2",
    }
    client = api_as(personas.responsible)
    foreign = client.post(
        "/api/out-of-hours-requests/", {**body, "worklogs": [log.pk]}, format="json"
    )
    missing = client.post(
        "/api/out-of-hours-requests/", {**body, "worklogs": [MISSING]}, format="json"
    )
    assert foreign.status_code == 400
    _same(foreign, missing)


def test_another_customers_contract_is_no_such_object_for_installations(
    api_as: Any, personas: Any
) -> None:
    body = {"name": "Production", "product": "erp"}
    for who in (personas.member, personas.manager):
        client = api_as(who)
        foreign = client.post(
            "/api/releases/installations/", {**body, "contract": personas.other_contract.pk}
        )
        missing = client.post("/api/releases/installations/", {**body, "contract": MISSING})
        if who is personas.member:
            assert foreign.status_code == 400
            _same(foreign, missing)
        else:  # the contractor's staff see every contract: only a missing one is refused
            assert missing.status_code == 400


def test_only_a_contractor_manager_generates_statements(api_as: Any, personas: Any) -> None:
    """Anyone else is refused before the contract is read: the answer is the same for their
    own contract, another customer's and one that does not exist, so it tells them nothing.
    A manager sees every contract; only a missing one is refused."""
    refused = b'{"detail":"Only a contractor manager prepares and issues statements."}'
    contracts = (personas.contract.pk, personas.other_contract.pk, MISSING)
    for who in (personas.responsible, personas.agent):
        for contract in contracts:
            answer = api_as(who).post(
                "/api/statements/", {"contract": contract, "period": "2024-11-01"}
            )
            assert (answer.status_code, answer.content) == (403, refused), (who, contract)
    missing = api_as(personas.manager).post(
        "/api/statements/", {"contract": MISSING, "period": "2024-11-01"}
    )
    assert (missing.status_code, missing.json()) == (400, {"contract": ["No such contract."]})


def test_a_username_longer_than_any_is_a_400_on_username(db: Any) -> None:
    """Found by the long schemathesis run: on PostgreSQL django-axes stored the failed
    sign-in's 300-character username in a 255-character column, a 500 for anyone."""
    response = APIClient().post(
        "/api/auth/token/", {"username": "u" * 300, "password": "x"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["username"]


def test_a_statement_for_the_month_of_year_one_is_a_400(api_as: Any, personas: Any) -> None:
    """Found by the long schemathesis run (SQLite): January of year 1 in Moscow starts before
    the first UTC day, and generating its statement was a 500."""
    response = api_as(personas.manager).post(
        "/api/statements/",
        {"contract": personas.contract.pk, "period": "0001-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["period"]
