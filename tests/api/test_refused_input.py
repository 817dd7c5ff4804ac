"""Input that the API refuses with a 400 (or a uniform 404), never crashes on: the findings of
the security probe, one test each (docs/security.md lists them)."""

from __future__ import annotations

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
    from secondline.tickets import services
    from tests.factories import file_ticket

    ticket = file_ticket(personas.member)
    services.add_watcher(ticket, personas.agent, personas.agent)
    services.add_watcher(ticket, personas.agent, personas.responsible)
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
