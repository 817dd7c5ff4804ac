"""The token refresh against odd answers and odd mailboxes: an ``expires_in`` that is null, a
float, a string or huge; an answer without an access token (never quoted: it holds tokens);
an HTML page instead of JSON; a mailbox not connected yet; one whose secrets no key opens. The
local authorization server of the XOAUTH2 tests answers (``oauth2_server.py``)."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from secondline.mail import crypto, oauth2
from secondline.mail.models import Mailbox
from secondline.mail.tasks import refresh_oauth2_tokens
from tests.mail.oauth2_server import OAuth2Server, running_oauth2_server

pytestmark = pytest.mark.django_db
HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)


@pytest.fixture
def authorization() -> Iterator[OAuth2Server]:
    with running_oauth2_server() as server:
        yield server


def a_mailbox(authorization: OAuth2Server, **values: Any) -> Mailbox:
    return Mailbox.objects.create(
        **{
            "name": "m365",
            "host": "127.0.0.1",
            "username": "support",
            "auth": Mailbox.Auth.OAUTH2,
            "oauth2_provider": Mailbox.Provider.OTHER,
            "oauth2_token_url": authorization.token_url,
            "oauth2_client_id": authorization.client_id,
            "oauth2_client_secret": authorization.client_secret,
            "oauth2_refresh_token": authorization.refresh_token,
            **values,
        }
    )


def answering(authorization: OAuth2Server, **extra: object) -> list[dict[str, str]]:
    """The token endpoint answers as usual with ``extra`` on top; the forms it was sent."""
    original, sent = authorization.token, []

    def token(form: dict[str, str]) -> tuple[int, dict[str, object]]:
        sent.append(form)
        status, answer = original(form)
        return status, {**answer, **extra}

    authorization.token = token  # type: ignore[method-assign]
    return sent


def break_secret(mailbox: Mailbox, name: str) -> None:
    """Store a secret that no configured key opens (as after a key dropped too soon)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Mailbox._meta.db_table} SET {name} = %s WHERE id = %s",
            [crypto.PREFIX + "gAAAAABnot-a-real-token", mailbox.pk],
        )


@pytest.mark.parametrize(
    ("expires_in", "lifetime"),
    [
        (1800, dt.timedelta(minutes=30)),  # RFC 6749, 5.1: seconds
        ("1800", dt.timedelta(minutes=30)),  # a numeric string
        (1800.0, dt.timedelta(minutes=30)),  # a float
        ("3600.0", HOUR),
        (None, HOUR),  # null: the default hour
        ("soon", HOUR),  # not a number
        (True, HOUR),  # a boolean is no number of seconds
        ("nan", HOUR),
        (-5, HOUR),
        (10**30, DAY),  # huge: a day at most (timedelta overflows)
        (10**400, DAY),  # past the floats
        ("1e400", DAY),  # an infinite float
    ],
)
def test_it_reads_expires_in_leniently(authorization, expires_in, lifetime) -> None:
    answering(authorization, expires_in=expires_in)
    box = a_mailbox(authorization)
    oauth2.refresh(box)
    box.refresh_from_db()
    assert box.oauth2_access_token in authorization.access_tokens
    assert box.oauth2_expires_at is not None
    assert abs(box.oauth2_expires_at - (timezone.now() + lifetime)) < dt.timedelta(minutes=1)


def test_a_null_expires_in_still_stores_the_rotated_refresh_token(authorization) -> None:
    answering(authorization, expires_in=None, refresh_token="refresh-2")
    box = a_mailbox(authorization)
    oauth2.refresh(box)
    box.refresh_from_db()
    assert (box.oauth2_refresh_token, box.last_error) == ("refresh-2", "")


def test_an_answer_without_an_access_token_is_named_by_its_fields_only(
    authorization, caplog
) -> None:
    authorization.token = lambda form: (
        200,
        {"id_token": "ID-TOKEN-SECRET", "refresh_token": "ROTATED-SECRET", "expires_in": 3600},
    )
    box = a_mailbox(authorization)
    with caplog.at_level(logging.DEBUG):
        errors = refresh_oauth2_tokens()
    box.refresh_from_db()
    for shown in (errors["m365"], box.last_error, caplog.text):
        assert "SECRET" not in shown, shown
    assert "expires_in, id_token, refresh_token" in box.last_error


def test_a_bad_expires_in_neither_stops_the_task_nor_the_others(authorization) -> None:
    answering(authorization, expires_in="3600.0")
    first = a_mailbox(authorization, name="a")
    second = a_mailbox(authorization, name="b")
    assert refresh_oauth2_tokens() == {}
    for box in (first, second):
        box.refresh_from_db()
        assert box.oauth2_access_token in authorization.access_tokens


def test_the_admin_action_survives_a_bad_expires_in(authorization, admin_client) -> None:
    answering(authorization, expires_in="soon")
    box = a_mailbox(authorization)
    response = admin_client.post(
        reverse("admin:mail_mailbox_changelist"),
        {"action": "refresh_oauth2_token", "_selected_action": [box.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["m365: token refreshed."]


def test_a_mailbox_no_key_opens_fails_alone(authorization) -> None:
    bad = a_mailbox(authorization, name="a-old-key")
    good = a_mailbox(authorization, name="b-good")
    break_secret(bad, "oauth2_client_secret")
    errors = refresh_oauth2_tokens()
    assert set(errors) == {"a-old-key"} and "cannot be decrypted" in errors["a-old-key"]
    assert "cannot be decrypted" in Mailbox.objects.values_list("last_error", flat=True).get(
        pk=bad.pk
    )
    good.refresh_from_db()
    assert good.oauth2_access_token in authorization.access_tokens


def test_a_mailbox_not_connected_yet_is_left_alone_by_the_worker(authorization) -> None:
    sent = answering(authorization)
    a_mailbox(authorization, oauth2_refresh_token="", last_error="Not connected yet")
    assert refresh_oauth2_tokens() == {}
    assert sent == []  # no empty refresh token posted
    assert Mailbox.objects.get().last_error == "Not connected yet"  # not flipped


def test_refreshing_by_hand_a_mailbox_not_connected_posts_nothing(authorization) -> None:
    sent = answering(authorization)
    box = a_mailbox(authorization, oauth2_refresh_token="")
    with pytest.raises(oauth2.OAuth2Error, match="Not connected yet"):
        oauth2.refresh(box)
    assert sent == []


class Page(io.BytesIO):
    status = 200


def test_an_html_page_from_the_token_endpoint_is_said_to_be_no_json(monkeypatch) -> None:
    body = b"<html>\x1b[31m<body>\r\nSign-in service maintenance" + b"." * 300 + b"END</html>"
    monkeypatch.setattr(oauth2.urllib.request, "urlopen", lambda request, timeout: Page(body))
    with pytest.raises(oauth2.OAuth2Error) as error:
        oauth2.post_form("https://login.example/token", {})
    text = str(error.value)
    assert "not JSON (HTTP 200)" in text and "could not be reached" not in text
    assert "<html> [31m<body> Sign-in service maintenance." in text  # no control characters
    assert "END" not in text  # the first 200 characters only
