"""Two editors of one ticket: the ETag / If-Match pair refuses the stale save (no lost update)."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest
from django.db import connection

from conftest import need_service
from secondline.tickets import services
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db


def _etag(api: Any, ticket: Ticket) -> str:
    response = api.get(f"/api/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return str(response["ETag"])


def test_the_detail_carries_an_etag_that_changes_with_the_ticket(
    api_as: Any, member: Any, agent: Any
) -> None:
    ticket = file_ticket(member)
    first = _etag(api_as(agent), ticket)
    assert first.startswith('"') and first.endswith('"') and len(first) > 2
    assert _etag(api_as(member), ticket) == first  # the same ticket, whoever reads it
    services.add_comment(ticket, member, "More details", public=True)
    assert _etag(api_as(agent), ticket) != first


def test_the_new_ticket_comes_back_with_its_etag(api_as: Any, member: Any) -> None:
    api = api_as(member)
    created = api.post(
        "/api/tickets/",
        {"type": "consultation", "subject": "How to export", "description": "Where is it?"},
        format="json",
    )
    assert created.status_code == 201
    assert created["ETag"] == _etag(api, Ticket.objects.get(pk=created.json()["id"]))


def test_a_matching_if_match_saves_and_answers_the_new_etag(
    api_as: Any, member: Any, agent: Any
) -> None:
    ticket = file_ticket(member)
    api = api_as(agent)
    etag = _etag(api, ticket)
    saved = api.patch(
        f"/api/tickets/{ticket.pk}/",
        {"subject": "Posting fails"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert saved.status_code == 200, saved.json()
    assert saved.json()["subject"] == "Posting fails"
    assert saved["ETag"] != etag and saved["ETag"] == _etag(api, ticket)


def test_a_stale_if_match_is_a_412_and_changes_nothing(
    api_as: Any, member: Any, agent: Any, manager: Any
) -> None:
    """Two agents open the ticket; the first saves, the second's save is refused."""
    ticket = file_ticket(member)
    seen_by_agent = _etag(api_as(agent), ticket)
    seen_by_manager = _etag(api_as(manager), ticket)
    first = api_as(agent).patch(
        f"/api/tickets/{ticket.pk}/",
        {"subject": "The agent's subject"},
        format="json",
        HTTP_IF_MATCH=seen_by_agent,
    )
    assert first.status_code == 200
    second = api_as(manager).patch(
        f"/api/tickets/{ticket.pk}/",
        {"subject": "The manager's subject", "impact": "Everything"},
        format="json",
        HTTP_IF_MATCH=seen_by_manager,
    )
    assert second.status_code == 412
    assert "Someone else changed this ticket" in second.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.subject == "The agent's subject" and ticket.impact != "Everything"
    edits = ticket.events.filter(kind=TicketEvent.Kind.FIELD_CHANGED, field="subject")
    assert edits.count() == 1


def test_the_412_is_said_in_russian_too(api_as: Any, member: Any, agent: Any) -> None:
    ticket = file_ticket(member)
    stale = api_as(agent).patch(
        f"/api/tickets/{ticket.pk}/",
        {"subject": "x"},
        format="json",
        HTTP_IF_MATCH='"0000"',
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert stale.status_code == 412
    assert "Кто-то другой изменил эту заявку" in stale.json()["detail"]


@pytest.mark.parametrize("header", [None, "*"])
def test_without_if_match_the_edit_is_accepted_as_before(
    api_as: Any, member: Any, agent: Any, header: str | None
) -> None:
    ticket = file_ticket(member)
    services.add_comment(ticket, member, "A change after any read", public=True)
    extra = {} if header is None else {"HTTP_IF_MATCH": header}
    saved = api_as(agent).patch(
        f"/api/tickets/{ticket.pk}/", {"subject": "Still editable"}, format="json", **extra
    )
    assert saved.status_code == 200 and saved.json()["subject"] == "Still editable"


def test_a_weak_or_listed_tag_matches_too(api_as: Any, member: Any, agent: Any) -> None:
    """A compressing proxy turns the ETag weak; RFC 9110 allows a list of tags."""
    ticket = file_ticket(member)
    api = api_as(agent)
    for form in ("W/{}", '"stale", {}'):
        header = form.format(_etag(api, ticket))
        saved = api.patch(
            f"/api/tickets/{ticket.pk}/", {"impact": header}, format="json", HTTP_IF_MATCH=header
        )
        assert saved.status_code == 200, header


def test_a_customer_gets_the_same_check(api_as: Any, member: Any, agent: Any) -> None:
    ticket = file_ticket(member)
    etag = _etag(api_as(member), ticket)
    api_as(agent).patch(f"/api/tickets/{ticket.pk}/", {"impact": "All warehouses"}, format="json")
    stale = api_as(member).patch(
        f"/api/tickets/{ticket.pk}/", {"impact": "One warehouse"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412


def test_the_service_refuses_the_second_save_of_one_version(personas: Any) -> None:
    """Both editors read one version; the first save wins, the second is told (any channel)."""
    ticket = file_ticket(personas.member)
    version = ticket.version()
    services.update_ticket(ticket, personas.agent, {"subject": "A"}, expected_version=version)
    with pytest.raises(services.StaleTicket):
        services.update_ticket(ticket, personas.manager, {"subject": "M"}, expected_version=version)
    ticket.refresh_from_db()
    assert ticket.subject == "A"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_saves_of_one_version_on_postgresql_have_one_winner(
    personas: Any,
) -> None:
    """The version is compared under the row lock, so the race has one winner. SQLite's test
    database (in memory, shared cache) answers a second writer "table is locked" instead of
    waiting, so this runs on PostgreSQL, like the sweep's race test."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        need_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")
    ticket = file_ticket(personas.member)
    version = ticket.version()
    outcomes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def edit(actor: Any, subject: str) -> None:
        try:
            start.wait(timeout=10)
            services.update_ticket(ticket, actor, {"subject": subject}, expected_version=version)
            outcomes.append("saved")
        except services.StaleTicket:
            outcomes.append("stale")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=(personas.agent, "Agent")),
        threading.Thread(target=edit, args=(personas.manager, "Manager")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(outcomes) == ["saved", "stale"]
