"""Queues a team can work from: each state offered once, the reaction-due sort that puts the
tickets still waiting for their first reaction first, sortable columns."""

from __future__ import annotations

import re
from typing import Any

import pytest

from secondline.portal.views.ticket_list import filter_choices
from secondline.tickets import services
from secondline.tickets.choices import Priority, Status
from tests.factories import Personas, consultation_draft, file_ticket, incident_draft

pytestmark = pytest.mark.django_db


def numbers(page: str) -> list[str]:
    return re.findall(r'class="number"><a href="[^"]+">(SL-\d+)</a>', page)


def test_the_status_filter_offers_each_state_once() -> None:
    values = [value for value, _label in filter_choices()["status_choices"]]
    assert len(values) == len(set(values))
    assert {"open", "finished", *Status.values} == set(values)


def test_closed_means_closed_and_finished_means_every_end(client: Any, personas: Personas) -> None:
    closed, resolved, open_ = (file_ticket(personas.member, consultation_draft()) for _ in "abc")
    services.change_status(resolved, personas.agent, Status.RESOLVED)
    services.change_status(closed, personas.agent, Status.RESOLVED)
    services.change_status(closed, personas.agent, Status.CLOSED)
    client.force_login(personas.member)
    assert numbers(client.get("/tickets/", {"status": "closed"}).content.decode()) == [
        closed.number
    ]
    finished = numbers(client.get("/tickets/", {"status": "finished"}).content.decode())
    assert sorted(finished) == sorted([closed.number, resolved.number])
    assert open_.number not in finished


def test_the_due_sort_puts_tickets_awaiting_their_first_reaction_first(
    client: Any, personas: Personas
) -> None:
    answered = file_ticket(personas.member, incident_draft(requested_priority=Priority.URGENT))
    services.add_comment(answered, personas.agent, "Looking into it.")  # the first reaction
    waiting = file_ticket(personas.member, consultation_draft())
    assert answered.reaction_due_at < waiting.reaction_due_at  # type: ignore[operator]
    client.force_login(personas.agent)
    page = client.get("/desk/", {"queue": "all", "sort": "due"}).content.decode()
    assert numbers(page) == [waiting.number, answered.number]


def test_columns_sort_when_their_header_is_clicked(client: Any, personas: Personas) -> None:
    low = file_ticket(personas.member, incident_draft(requested_priority=Priority.LOW))
    urgent = file_ticket(personas.member, incident_draft(requested_priority=Priority.URGENT))
    client.force_login(personas.agent)
    page = client.get("/desk/", {"queue": "all", "sort": "due"}).content.decode()
    assert 'href="?queue=all&amp;sort=priority"' in page
    assert 'aria-sort="ascending"' in page
    page = client.get("/desk/", {"queue": "all", "sort": "priority"}).content.decode()
    assert numbers(page) == [urgent.number, low.number]
    client.force_login(personas.member)
    page = client.get("/tickets/", {"sort": "created"}).content.decode()
    assert numbers(page) == [urgent.number, low.number]
    assert 'aria-sort="descending"' in page


def test_agents_save_views_of_their_own_and_shared(client: Any, personas: Personas) -> None:
    from secondline.search.models import SavedView

    client.force_login(personas.agent)
    query = "queue=all&status=new&sort=priority&page=3&owner=x"
    answer = client.post("/desk/views/", {"name": "New by priority", "query": query})
    assert answer.status_code == 302
    view = SavedView.objects.get()
    assert view.query == "queue=all&status=new&sort=priority" and not view.shared
    assert answer["Location"] == f"/desk/?{view.query}"
    client.post("/desk/views/", {"name": "Team", "query": "queue=mine", "shared": "on"})
    refused = client.post("/desk/views/", {"name": " ", "query": "queue=mine"})
    assert refused.status_code == 302 and SavedView.objects.count() == 2

    client.force_login(personas.manager)
    page = client.get("/desk/").content.decode()
    assert ">Team</a>" in page and ">New by priority</a>" not in page
    assert client.post(f"/desk/views/{view.pk}/delete/").status_code == 404
    shared = SavedView.objects.get(name="Team")
    client.post(f"/desk/views/{shared.pk}/delete/")
    assert list(SavedView.objects.all()) == [view]

    client.force_login(personas.member)
    client.post("/desk/views/", {"name": "Mine", "query": "queue=all"})
    assert SavedView.objects.count() == 1


def test_finished_tickets_are_listed_latest_first_unless_sorted(
    client: Any, personas: Personas
) -> None:
    first, second = (file_ticket(personas.member, consultation_draft()) for _ in "ab")
    for ticket in (second, first):  # the first ticket is finished last
        services.change_status(ticket, personas.agent, Status.RESOLVED)
    client.force_login(personas.agent)
    page = client.get("/desk/", {"queue": "all", "status": "finished"}).content.decode()
    assert numbers(page) == [first.number, second.number]
    page = client.get("/desk/", {"queue": "all", "status": "finished", "sort": "created"})
    assert numbers(page.content.decode()) == [second.number, first.number]


def test_a_long_list_counts_up_to_its_cap(
    client: Any, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secondline.portal.views import ticket_list

    monkeypatch.setattr(ticket_list, "PAGE_SIZE", 2)
    monkeypatch.setattr(ticket_list, "COUNT_CAP", 4)
    for _ in range(5):
        file_ticket(personas.member, consultation_draft())
    client.force_login(personas.agent)
    page = client.get("/desk/", {"queue": "all", "page": "9"})
    assert page.context["page"].number == 2
    assert "Page 2 of the first 2: filter or sort" in page.content.decode()
    assert len(numbers(page.content.decode())) == 2
    client.force_login(personas.member)
    page = client.get("/tickets/").content.decode()
    assert "Page 1 of the first 2" in page
    monkeypatch.setattr(ticket_list, "COUNT_CAP", 5)
    assert "Page 1 of 3" in client.get("/tickets/").content.decode()
