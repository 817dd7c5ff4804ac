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
