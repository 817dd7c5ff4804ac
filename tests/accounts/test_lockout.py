"""Sign-in lockout (docs/security.md#accounts): per account and address, then per address, in
the portal, the back office and the API token endpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def portal_login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)


def fail(times: int, username: str = "alice", address: str = "10.0.0.1") -> None:
    client = Client(REMOTE_ADDR=address)
    for _ in range(times):
        portal_login(client, username, "wrong-password")


def test_ten_wrong_passwords_lock_the_account_from_that_address(alice: Any) -> None:
    fail(9)
    assert portal_login(Client(REMOTE_ADDR="10.0.0.1"), "alice", PASSWORD).status_code == 302
    fail(10)
    response = portal_login(Client(REMOTE_ADDR="10.0.0.1"), "alice", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_the_lockout_is_explained_in_russian_too(alice: Any, back_to_english: None) -> None:
    fail(10)
    response = portal_login(
        Client(REMOTE_ADDR="10.0.0.1"), "alice", PASSWORD, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 429
    assert "Слишком много неудачных попыток входа" in response.content.decode()


def test_after_the_cool_off_the_right_password_works_again(alice: Any) -> None:
    fail(10)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        response = portal_login(Client(REMOTE_ADDR="10.0.0.1"), "alice", PASSWORD)
    assert response.status_code == 302


def test_the_same_account_from_another_address_is_not_locked(alice: Any) -> None:
    fail(10)
    assert portal_login(Client(REMOTE_ADDR="10.0.0.2"), "alice", PASSWORD).status_code == 302


def test_another_account_from_the_address_works_until_the_address_limit(
    alice: Any, settings: Any
) -> None:
    UserFactory(username="bob", password=PASSWORD)
    for n in range(4):
        fail(10, username=f"guess{n}")
    # 40 failures from the address, under its limit of 50
    assert portal_login(Client(REMOTE_ADDR="10.0.0.1"), "bob", PASSWORD).status_code == 302
    fail(10, username="guess4")
    # 50: the address is locked for every account
    assert portal_login(Client(REMOTE_ADDR="10.0.0.1"), "alice", PASSWORD).status_code == 429
    assert portal_login(Client(REMOTE_ADDR="10.0.0.9"), "alice", PASSWORD).status_code == 302


def test_the_back_office_login_is_locked_too(alice: Any) -> None:
    alice.is_staff = True
    alice.save()
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(10):
        client.post("/admin/login/", {"username": "alice", "password": "wrong-password"})
    response = client.post("/admin/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_api_token_endpoint_answers_a_lockout_with_a_json_429(alice: Any) -> None:
    client = APIClient(REMOTE_ADDR="10.0.0.1")
    for _ in range(9):
        response = client.post(
            "/api/auth/token/", {"username": "alice", "password": "wrong-password"}
        )
        assert response.status_code == 400
    client.post("/api/auth/token/", {"username": "alice", "password": "wrong-password"})
    response = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]


def test_failures_on_one_channel_count_on_the_others(alice: Any) -> None:
    fail(10)
    response = APIClient(REMOTE_ADDR="10.0.0.1").post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 429


def test_behind_a_proxy_the_configured_header_is_the_address(alice: Any, settings: Any) -> None:
    settings.LOGIN_CLIENT_ADDRESS_HEADER = "X-Real-IP"
    for _ in range(10):
        portal_login(Client(HTTP_X_REAL_IP="10.0.0.1"), "alice", "wrong-password")
    assert portal_login(Client(HTTP_X_REAL_IP="10.0.0.1"), "alice", PASSWORD).status_code == 429
    assert portal_login(Client(HTTP_X_REAL_IP="10.0.0.2"), "alice", PASSWORD).status_code == 302
