"""Schemathesis drives every operation of the OpenAPI schema; no input may give a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from secondline.accounts.tokens import issue_token
from secondline.wsgi import application
from tests.factories import file_ticket

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def keep_test_connection() -> Any:
    """Requests made in-process must not close the test's transaction (as Django's client does)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tokens(personas: Any, keep_test_connection: Any) -> dict[str, str]:
    file_ticket(personas.member)
    return {
        "customer": issue_token(personas.member)[1],
        "manager": issue_token(personas.manager)[1],
    }


@pytest.mark.slow
@pytest.mark.parametrize("role", ["customer", "manager"])
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_gives_a_server_error(case: Any, role: str, tokens: dict[str, str]) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Token {tokens[role]}"},
        checks=[not_a_server_error],
    )
