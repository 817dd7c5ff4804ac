"""API tokens (docs/api.md#authentication): a new one at each sign-in, expiring, listed and
revoked by their user, all revoked by a password change."""

from __future__ import annotations

import datetime as dt
import importlib
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.forms import SetPasswordForm
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from secondline.accounts.models import ApiToken
from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sign_in(username: str = "alice", password: str = PASSWORD) -> Any:
    return APIClient().post("/api/auth/token/", {"username": username, "password": password})


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_each_sign_in_issues_a_new_token_and_both_work(alice: Any) -> None:
    first, second = sign_in().json(), sign_in().json()
    assert first["token"] != second["token"]
    assert len(first["token"]) == 40
    for key in (first["token"], second["token"]):
        assert client_with(key).get("/api/tickets/").status_code == 200


def test_only_a_digest_of_the_key_is_stored(alice: Any) -> None:
    key = sign_in().json()["token"]
    token = ApiToken.objects.get(user=alice)
    assert key not in {token.digest, token.prefix}
    assert key.startswith(token.prefix)


def test_a_token_expires_after_the_configured_days(alice: Any, settings: Any) -> None:
    settings.API_TOKEN_TTL_DAYS = 30
    answer = sign_in().json()
    expires_at = dt.datetime.fromisoformat(answer["expires_at"])
    assert abs(expires_at - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    with time_machine.travel(timezone.now() + dt.timedelta(days=29)):
        assert client_with(answer["token"]).get("/api/tickets/").status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=30, minutes=1)):
        response = client_with(answer["token"]).get("/api/tickets/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "The token has expired; ask for a new one at /api/auth/token/."
    }


def test_an_unknown_token_is_a_401(db: Any) -> None:
    response = client_with("0" * 40).get("/api/tickets/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_user_lists_their_own_tokens_and_sees_which_is_in_use(alice: Any) -> None:
    keys = [sign_in().json()["token"] for _ in range(2)]
    sign_in_other = UserFactory(username="bob", password=PASSWORD)
    sign_in("bob")
    listed = client_with(keys[1]).get("/api/auth/tokens/").json()
    assert [t["prefix"] for t in listed] == [keys[1][:8], keys[0][:8]]
    assert [t["current"] for t in listed] == [True, False]
    assert set(listed[0]) == {"id", "prefix", "created_at", "expires_at", "current"}
    assert sign_in_other.api_tokens.count() == 1


def test_a_user_revokes_a_token_and_it_stops_working_at_once(alice: Any) -> None:
    keep, drop = (sign_in().json() for _ in range(2))
    response = client_with(keep["token"]).delete(f"/api/auth/tokens/{drop['id']}/")
    assert response.status_code == 204
    assert client_with(drop["token"]).get("/api/tickets/").status_code == 401
    assert client_with(keep["token"]).get("/api/tickets/").status_code == 200


def test_another_users_token_cannot_be_seen_or_revoked(alice: Any) -> None:
    UserFactory(username="bob", password=PASSWORD)
    bobs = sign_in("bob").json()
    mine = sign_in().json()
    response = client_with(mine["token"]).delete(f"/api/auth/tokens/{bobs['id']}/")
    assert response.status_code == 404
    assert client_with(bobs["token"]).get("/api/tickets/").status_code == 200


def test_a_password_change_revokes_every_token(alice: Any) -> None:
    keys = [sign_in().json()["token"] for _ in range(2)]
    alice.set_password("a-new-and-longer-secret")
    alice.save()
    for key in keys:
        assert client_with(key).get("/api/tickets/").status_code == 401
    assert not alice.api_tokens.exists()


def test_a_password_reset_revokes_every_token(alice: Any) -> None:
    key = sign_in().json()["token"]
    form = SetPasswordForm(
        alice,
        {"new_password1": "a-new-and-longer-secret", "new_password2": "a-new-and-longer-secret"},
    )
    assert form.is_valid()
    form.save()
    assert client_with(key).get("/api/tickets/").status_code == 401


def test_saving_a_user_without_a_new_password_keeps_the_tokens(alice: Any) -> None:
    key = sign_in().json()["token"]
    alice.first_name = "Alice"
    alice.save()
    assert client_with(key).get("/api/tickets/").status_code == 200


def test_a_wrong_password_is_a_400_and_issues_nothing(alice: Any) -> None:
    response = sign_in(password="wrong-password")
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_stale_token_in_the_header_does_not_stop_signing_in(alice: Any) -> None:
    response = client_with("0" * 40).post(
        "/api/auth/token/", {"username": "alice", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_the_migration_keeps_old_keys_working_until_expiry_and_drops_them(alice: Any) -> None:
    migration = importlib.import_module(
        "secondline.accounts.migrations.0005_api_tokens_from_authtoken"
    )
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
    with connection.cursor() as cursor:
        cursor.execute(
            'CREATE TABLE authtoken_token ("key" varchar(40) PRIMARY KEY, user_id integer)'
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s)", [old_key, alice.pk])
    migration.carry_over(apps, SimpleNamespace(connection=connection))
    assert client_with(old_key).get("/api/tickets/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert client_with(old_key).get("/api/tickets/").status_code == 401


def test_the_expiry_is_explained_in_russian_too(alice: Any, back_to_english: None) -> None:
    key = sign_in().json()["token"]
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        response = client_with(key).get("/api/tickets/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.json() == {
        "detail": "Срок действия токена истёк; получите новый через /api/auth/token/."
    }
