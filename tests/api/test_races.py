"""The same request twice at once (a double click, a retried call, two scripts) has the effect
of one and answers no 500.

The races run on PostgreSQL (``DATABASE_URL``): SQLite's test database answers a second
writer "table is locked" instead of waiting. The rows a race leaves behind are checked on any
database by making the check before the save miss the twin, as a concurrent one would."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections
from rest_framework.test import APIClient

from conftest import need_service
from secondline.accounts.models import User
from secondline.accounts.tokens import issue_token
from secondline.releases import catalogue
from secondline.releases.models import Installation, ProductVersion
from secondline.subscriptions.models import Subscription
from secondline.tickets.models import TicketEvent
from tests.factories import UserFactory, file_ticket

ROUNDS = 4
Kind = TicketEvent.Kind


def _need_postgresql() -> None:
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; their results, in order."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait(timeout=10)
            results[index] = call()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def request(user: User, method: str, url: str, body: dict[str, Any]) -> Callable[[], Any]:
    """One call of the API as ``user``: each thread gets its own client and connection."""
    _, key = issue_token(user)

    def call() -> Any:
        client = APIClient()
        client.raise_request_exception = False  # a 500 is an answer to look at, not a crash
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        send = getattr(client, method)
        return send(url, json.dumps(body), content_type="application/json")

    return call


def twice(user: User, method: str, url: str, body: dict[str, Any]) -> list[Any]:
    return at_once(*[request(user, method, url, body)] * 2)


def _codes(answers: list[Any]) -> list[int]:
    return sorted(answer.status_code for answer in answers)


# -- watchers -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_adding_and_removing_one_watcher_twice_at_once_is_recorded_once(personas: Any) -> None:
    _need_postgresql()
    for _ in range(ROUNDS):
        ticket = file_ticket(personas.member)
        url = f"/api/tickets/{ticket.pk}/watchers/"
        body = {"user": personas.responsible.pk}
        assert _codes(twice(personas.agent, "post", url, body)) == [200, 200]
        assert _codes(twice(personas.agent, "delete", url, body)) == [200, 200]
        kinds = ticket.events.filter(kind__in=[Kind.WATCHER_ADDED, Kind.WATCHER_REMOVED])
        assert list(kinds.values_list("kind", flat=True)) == [
            Kind.WATCHER_ADDED,
            Kind.WATCHER_REMOVED,
        ]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_watching_one_ticket_twice_at_once_is_recorded_once(personas: Any) -> None:
    _need_postgresql()
    for _ in range(ROUNDS):
        ticket = file_ticket(personas.member)
        answers = twice(personas.responsible, "post", "/api/watching/", {"ticket": ticket.pk})
        assert _codes(answers) == [201, 201]
        assert ticket.events.filter(kind=Kind.WATCHER_ADDED).count() == 1
        assert list(ticket.watchers.all()) == [personas.responsible]


# -- the first subscription -----------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_first_subscription_changed_twice_at_once_keeps_both_changes(personas: Any) -> None:
    """Both create the one row; the lock orders the saves, so neither change is lost."""
    _need_postgresql()
    for round_ in range(ROUNDS):
        person = UserFactory(
            username=f"new-agent-{round_}",
            organization=personas.contractor,
            role=User.Role.AGENT,
        )
        answers = at_once(
            request(person, "patch", "/api/subscription/", {"all_new": True}),
            request(person, "patch", "/api/subscription/", {"by_email": False}),
        )
        assert _codes(answers) == [200, 200], [a.content for a in answers]
        saved = Subscription.objects.get(person=person)
        assert (saved.all_new, saved.by_email) == (True, False)


@pytest.mark.django_db
def test_a_refused_first_change_of_a_subscription_saves_no_row(api_as: Any, agent: User) -> None:
    answer = api_as(agent).patch("/api/subscription/", {"all_new": "maybe"}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["all_new"]
    assert not Subscription.objects.exists()


# -- the catalogue's natural keys -----------------------------------------------------------


def _version(number: str) -> dict[str, Any]:
    return {
        "product": "ERP",
        "version": number,
        "released_on": "2025-01-01",
        "kind": "update",
        "notes_en": "n",
        "notes_ru": "n",
    }


def _refusal(instance: Any) -> dict[str, list[str]]:
    """What ``full_clean`` says of a row whose natural key is taken, as the API answers it."""
    with pytest.raises(ValidationError) as refused:
        instance.full_clean(exclude=["current_version"])
    return {field: list(messages) for field, messages in refused.value.message_dict.items()}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_version_added_twice_at_once_is_one_row_and_a_400(personas: Any, api_as: Any) -> None:
    """The second is refused by the serializer's check when the first has committed by then,
    else as ``full_clean`` refuses a taken key (it was a 500 between the two)."""
    _need_postgresql()
    for round_ in range(ROUNDS):
        body = _version(f"9.{round_}")
        url = "/api/releases/versions/"
        answers = twice(personas.manager, "post", url, body)
        assert _codes(answers) == [201, 400], [a.content for a in answers]
        loser = next(a for a in answers if a.status_code == 400)
        again = api_as(personas.manager).post(url, body, format="json")  # one after the other
        twin = ProductVersion(**{**body, "released_on": dt.date(2025, 1, 1)})
        assert loser.json() in (again.json(), _refusal(twin))
    assert ProductVersion.objects.count() == ROUNDS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_installation_added_twice_at_once_is_one_row_and_the_usual_400(
    personas: Any, api_as: Any
) -> None:
    _need_postgresql()
    for round_ in range(ROUNDS):
        body = {"contract": personas.contract.pk, "name": f"Prod {round_}", "product": "ERP"}
        url = "/api/releases/installations/"
        answers = twice(personas.manager, "post", url, body)
        assert _codes(answers) == [201, 400], [a.content for a in answers]
        loser = next(a for a in answers if a.status_code == 400)
        again = api_as(personas.manager).post(url, body, format="json")  # one after the other
        assert (loser.status_code, loser.content) == (again.status_code, again.content)
    assert Installation.objects.count() == ROUNDS


@pytest.fixture
def check_misses_the_twin(monkeypatch: pytest.MonkeyPatch) -> None:
    """``full_clean`` passes, as it does when the twin is saved between it and the save."""
    for model in (ProductVersion, Installation):
        monkeypatch.setattr(model, "full_clean", lambda self, *args, **kwargs: None)


@pytest.mark.django_db
def test_a_version_saved_after_its_twin_is_refused_as_full_clean_refuses_it(
    manager: User, check_misses_the_twin: None
) -> None:
    first = catalogue.save_version(manager, ProductVersion(**_version("1.0")))
    twin = ProductVersion(**_version("1.0"))
    with pytest.raises(ValidationError) as refused:
        catalogue.save_version(manager, twin)
    assert refused.value.message_dict == {
        "__all__": ["Product version with this Product and Version already exists."]
    }
    assert list(ProductVersion.objects.all()) == [first]  # and the database still answers


@pytest.mark.django_db
def test_an_installation_saved_after_its_twin_is_refused_as_full_clean_refuses_it(
    personas: Any, manager: User, check_misses_the_twin: None
) -> None:
    def draft() -> Installation:
        return Installation(contract=personas.contract, name="Production", product="ERP")

    first = catalogue.save_installation(manager, draft())
    with pytest.raises(ValidationError) as refused:
        catalogue.save_installation(manager, draft())
    assert refused.value.message_dict == {
        "__all__": ["Installation with this Contract, Product and Name already exists."]
    }
    assert list(Installation.objects.all()) == [first]


@pytest.mark.django_db
def test_another_integrity_error_of_the_save_is_not_taken_for_a_twin(
    manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fails(self: ProductVersion, *args: Any, **kwargs: Any) -> None:
        raise IntegrityError("something else")

    monkeypatch.setattr(ProductVersion, "save", fails)
    with pytest.raises(IntegrityError, match="something else"):
        catalogue.save_version(manager, ProductVersion(**_version("1.0")))
