"""API callers read messages in their profile's language, token callers included, and one
caller's language never reaches the next in the same thread (docs/api.md, "Language")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from secondline.accounts.models import User
from secondline.accounts.tokens import issue_token
from secondline.subscriptions.models import Subscription
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def token_client(user: User, **headers: str) -> APIClient:
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(user)[1]}")
    return client


def messages(answer: Any) -> list[str]:
    body = answer.json()
    if isinstance(body, dict):
        return [
            str(m)
            for value in body.values()
            for m in (value if isinstance(value, list) else [value])
        ]
    return [str(m) for m in body]


@pytest.fixture
def russian_member(personas: Any) -> User:
    personas.member.language = "ru"
    personas.member.save()
    return personas.member


def test_a_token_caller_reads_refusals_in_its_profile_language(russian_member: User) -> None:
    client = token_client(russian_member)  # a program that names no language
    invalid = client.post("/api/tickets/", {}, format="json")
    missing = client.get("/api/tickets/999999/")
    forbidden = client.get("/api/canned-replies/")
    assert (invalid.status_code, missing.status_code, forbidden.status_code) == (400, 404, 403)
    for answer in (invalid, missing, forbidden):
        assert messages(answer) and all(CYRILLIC.search(m) for m in messages(answer)), answer.json()
    assert invalid["Content-Language"] == "ru"


def test_a_token_caller_may_ask_for_another_language_per_request(russian_member: User) -> None:
    client = token_client(russian_member)
    english = client.get("/api/tickets/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert not CYRILLIC.search(str(english.json())) and english["Content-Language"] == "en"
    assert CYRILLIC.search(str(client.get("/api/tickets/999999/").json()))


def test_the_next_caller_in_the_thread_reads_english(russian_member: User, personas: Any) -> None:
    assert CYRILLIC.search(str(token_client(russian_member).get("/api/tickets/999999/").json()))
    assert translation.get_language() == "en"  # the thread is back to the default
    answer = token_client(personas.agent).get("/api/tickets/999999/")
    assert not CYRILLIC.search(str(answer.json())), answer.json()

    russian = Client()
    russian.force_login(russian_member)
    assert '<html lang="ru">' in russian.get("/support/").content.decode()
    english = Client()
    english.force_login(personas.responsible)
    assert '<html lang="en">' in english.get("/support/").content.decode()
    assert '<html lang="en">' in Client().get("/login/").content.decode()


def test_one_loop_mails_each_recipient_in_their_language(
    personas: Any, russian_member: User, sent: Any
) -> None:
    russian_agent = User.objects.create_user(
        "ru-agent",
        "ru-agent@example.com",
        organization=personas.contractor,
        role=User.Role.AGENT,
        language="ru",
    )
    for person in (personas.agent, russian_agent):
        Subscription.objects.update_or_create(person=person, defaults={"all_new": True})
    translation.activate("ru")  # a worker thread left in Russian by its previous task
    try:
        with sent():
            ticket = file_ticket(russian_member)
    finally:
        translation.activate("en")
    subjects = {m.to[0]: m.subject for m in mail.outbox if ticket.number in m.subject}
    assert subjects["ru-agent@example.com"].startswith(f"[{ticket.number}] Новая заявка")
    assert subjects[personas.agent.email].startswith(f"[{ticket.number}] New ticket")
