"""Merge and link through the REST API: the same rules and access as the desk."""

from __future__ import annotations

from typing import Any

import pytest

from secondline.tickets import links
from secondline.tickets.models import Ticket
from tests.factories import consultation_draft, file_ticket

pytestmark = pytest.mark.django_db


def _tickets(personas: Any, n: int = 2) -> list[Ticket]:
    return [file_ticket(personas.member, consultation_draft()) for _ in range(n)]


def test_staff_merge_and_get_the_original(api_as: Any, personas: Any) -> None:
    duplicate, original = _tickets(personas)
    response = api_as(personas.agent).post(
        f"/api/tickets/{duplicate.pk}/merge/", {"original": original.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["id"] == original.pk
    body = api_as(personas.member).get(f"/api/tickets/{duplicate.pk}/").json()
    assert body["status"] == "closed" and body["merged_into"] == original.pk
    events = api_as(personas.member).get(f"/api/tickets/{original.pk}/events/").json()
    # the duplicate's own history shows on the original, marked with its ticket
    assert {e["ticket"] for e in events} == {original.pk, duplicate.pk}
    assert any(e["kind"] == "merged_in" and e["new_value"] == duplicate.number for e in events)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "original"),
        ({"original": "x"}, "original"),
        ({"original": 0}, "original"),
        ({"original": 10**9}, "original"),  # nobody's ticket
        ("self", "original"),
        ("other customer", "original"),
        ("merged", "original"),
    ],
    ids=["missing", "not a number", "zero", "no such", "itself", "other customer", "merged"],
)
def test_a_refused_merge_is_a_400_naming_the_field(
    api_as: Any, personas: Any, body: Any, field: str
) -> None:
    duplicate, original = _tickets(personas)
    if body == "self":
        body = {"original": duplicate.pk}
    elif body == "other customer":
        body = {"original": file_ticket(personas.outsider, consultation_draft()).pk}
    elif body == "merged":
        third = file_ticket(personas.member, consultation_draft())
        api_as(personas.agent).post(
            f"/api/tickets/{original.pk}/merge/", {"original": third.pk}, format="json"
        )
        body = {"original": original.pk}
    response = api_as(personas.agent).post(
        f"/api/tickets/{duplicate.pk}/merge/", body, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None


def test_customers_may_not_merge_nor_reach_others_tickets(api_as: Any, personas: Any) -> None:
    duplicate, original = _tickets(personas)
    url = f"/api/tickets/{duplicate.pk}/merge/"
    mine = api_as(personas.responsible).post(url, {"original": original.pk}, format="json")
    assert mine.status_code == 403
    theirs = api_as(personas.outsider).post(url, {"original": original.pk}, format="json")
    nobodys = api_as(personas.outsider).post(
        "/api/tickets/999999/merge/", {"original": original.pk}, format="json"
    )
    # another customer's ticket answers as one that does not exist
    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.json() == nobodys.json()
    links_theirs = api_as(personas.outsider).get(f"/api/tickets/{duplicate.pk}/links/")
    assert links_theirs.status_code == 404


def test_links_through_the_api(api_as: Any, personas: Any) -> None:
    one, two = _tickets(personas)
    staff = api_as(personas.agent)
    added = staff.post(f"/api/tickets/{one.pk}/links/", {"ticket": two.pk}, format="json")
    assert added.status_code == 201, added.json()
    assert [t["number"] for t in added.json()] == [two.number]
    seen = api_as(personas.member).get(f"/api/tickets/{two.pk}/links/").json()
    assert [t["id"] for t in seen] == [one.pk]
    again = staff.post(f"/api/tickets/{two.pk}/links/", {"ticket": one.pk}, format="json")
    assert again.status_code == 400 and "ticket" in again.json()
    customer = api_as(personas.member).post(
        f"/api/tickets/{one.pk}/links/", {"ticket": two.pk}, format="json"
    )
    assert customer.status_code == 403
    removed = staff.delete(f"/api/tickets/{two.pk}/links/", {"ticket": one.pk}, format="json")
    assert removed.status_code == 200 and removed.json() == []
    assert not links.related_tickets(personas.agent, one).exists()


@pytest.mark.parametrize(
    "body", [{}, {"ticket": "x"}, {"ticket": 10**9}, "other customer", "itself"]
)
def test_a_refused_link_is_a_400_naming_the_ticket(api_as: Any, personas: Any, body: Any) -> None:
    one, _two = _tickets(personas)
    if body == "other customer":
        body = {"ticket": file_ticket(personas.outsider, consultation_draft()).pk}
    elif body == "itself":
        body = {"ticket": one.pk}
    response = api_as(personas.agent).post(f"/api/tickets/{one.pk}/links/", body, format="json")
    assert response.status_code == 400
    assert "ticket" in response.json()


def test_api_refusals_come_in_russian_too(api_as: Any, personas: Any) -> None:
    one, _two = _tickets(personas)
    response = api_as(personas.agent).post(
        f"/api/tickets/{one.pk}/merge/",
        {"original": one.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.json()["original"] == ["Заявку нельзя объединить с ней самой."]
