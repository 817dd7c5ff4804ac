"""Password-reset emails are limited per address and hour (docs/security.md#accounts)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def ask(email: str) -> Any:
    return Client().post("/password-reset/", {"email": email})


def test_at_most_three_reset_emails_per_address_and_hour() -> None:
    user = UserFactory(email="Maria@Example.com")
    answers = [ask(email) for email in ["maria@example.com", "MARIA@example.com"] * 3]
    assert len(mail.outbox) == 3
    assert all(a.status_code == 302 and a.url == "/password-reset/sent/" for a in answers)
    assert {m.to[0] for m in mail.outbox} == {user.email}


def test_the_next_hour_sends_again() -> None:
    UserFactory(email="maria@example.com")
    for _ in range(4):
        ask("maria@example.com")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)):
        ask("maria@example.com")
    assert len(mail.outbox) == 4


def test_the_answer_is_the_same_for_an_unknown_address() -> None:
    UserFactory(email="maria@example.com")
    known = [ask("maria@example.com") for _ in range(4)]
    unknown = [ask("nobody@example.com") for _ in range(4)]
    for a, b in zip(known, unknown, strict=True):
        assert (a.status_code, a.url) == (b.status_code, b.url)


def test_one_address_at_its_limit_does_not_stop_another() -> None:
    UserFactory(email="maria@example.com")
    UserFactory(email="ivan@example.com")
    for _ in range(5):
        ask("maria@example.com")
    ask("ivan@example.com")
    assert [m.to[0] for m in mail.outbox].count("ivan@example.com") == 1
