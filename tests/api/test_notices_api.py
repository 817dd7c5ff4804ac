"""The desk's notification list through the API: notices and marking them read, what one
follows, and the tickets one watches (secondline/api/notices.py), with the desk's rules."""

from __future__ import annotations

from typing import Any

import pytest

from secondline.subscriptions import notices
from secondline.subscriptions.models import Notice, Subscription
from tests.factories import file_ticket
from tests.subscriptions.conftest import follow_all_new

pytestmark = pytest.mark.django_db


def test_an_agent_lists_the_notices_and_marks_them_read(
    api_as: Any, agent: Any, member: Any
) -> None:
    follow_all_new(agent)
    first, second = file_ticket(member), file_ticket(member)
    client = api_as(agent)
    listing = client.get("/api/notices/").json()
    assert [(n["kind"], n["ticket"]) for n in listing["results"]] == [
        ("new_ticket", second.pk),
        ("new_ticket", first.pk),
    ]
    notice = listing["results"][1]
    assert notice["ticket_number"] == first.number and notice["read_at"] is None
    assert notice["kind_label"] == "New ticket" and notice["actor"] == member.display_name
    assert client.get("/api/notices/unread-count/").json() == {"unread": 2}

    read = client.post(f"/api/notices/{notice['id']}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get("/api/notices/unread-count/").json() == {"unread": 1}
    unread = client.get("/api/notices/", {"unread": "true"}).json()["results"]
    assert [n["ticket"] for n in unread] == [second.pk]
    assert client.post("/api/notices/read-all/").json() == {"marked": 1}
    assert notices.unread_count(agent) == 0  # the desk's header counts the same rows


def test_another_persons_notice_is_not_found(
    api_as: Any, agent: Any, manager: Any, member: Any
) -> None:
    follow_all_new(manager)
    file_ticket(member)
    theirs = Notice.objects.get(recipient=manager)
    client = api_as(agent)
    assert client.get(f"/api/notices/{theirs.pk}/").status_code == 404
    assert client.post(f"/api/notices/{theirs.pk}/read/").status_code == 404
    assert client.post("/api/notices/99999999999999999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_input_is_a_400_per_field(api_as: Any, agent: Any) -> None:
    client = api_as(agent)
    assert list(client.get("/api/notices/", {"unread": "perhaps"}).json()) == ["unread"]
    answer = client.patch("/api/subscription/", {"organizations": [999999]}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["organizations"]
    answer = client.patch("/api/subscription/", {"all_new": "sometimes"}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["all_new"]
    answer = client.post("/api/watching/", {"ticket": "SL-1"}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["ticket"]


@pytest.mark.parametrize("persona", ["member", "responsible", "outsider"])
def test_customers_have_no_notices_nor_subscription(
    api_as: Any, personas: Any, persona: str
) -> None:
    client = api_as(getattr(personas, persona))
    for path in ("/api/notices/", "/api/notices/unread-count/", "/api/subscription/"):
        assert client.get(path).status_code == 403, path
    assert client.post("/api/notices/read-all/").status_code == 403
    assert client.patch("/api/subscription/", {"all_new": True}, format="json").status_code == 403
    assert not Subscription.objects.exists()


def test_an_agent_reads_and_changes_what_they_follow(
    api_as: Any, agent: Any, personas: Any
) -> None:
    client = api_as(agent)
    assert client.get("/api/subscription/").json() == {
        "my_tickets": True,
        "my_customers": True,
        "all_new": False,
        "organizations": [],
        "by_email": True,
    }
    customer = personas.customer.pk
    answer = client.patch(
        "/api/subscription/", {"all_new": True, "organizations": [customer]}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["all_new"] is True and answer.json()["organizations"] == [customer]
    saved = Subscription.objects.get(person=agent)
    assert saved.all_new and list(saved.organizations.values_list("pk", flat=True)) == [customer]
    # Only customers may be followed, as in the desk's form: the contractor is not one.
    refused = client.patch(
        "/api/subscription/", {"organizations": [personas.contractor.pk]}, format="json"
    )
    assert refused.status_code == 400 and list(refused.json()) == ["organizations"]
    changed = client.patch("/api/subscription/", {"by_email": False}, format="json").json()
    assert changed["by_email"] is False and changed["all_new"] is True
    assert changed["organizations"] == [customer]  # what the request did not name stays


def test_an_agent_watches_and_unwatches_a_ticket(api_as: Any, agent: Any, member: Any) -> None:
    ticket, other = file_ticket(member), file_ticket(member)
    client = api_as(agent)
    assert client.get("/api/watching/").json()["results"] == []
    answer = client.post("/api/watching/", {"ticket": ticket.pk}, format="json")
    assert answer.status_code == 201 and answer.json()["number"] == ticket.number
    assert list(ticket.watchers.all()) == [agent]
    assert ticket.events.filter(kind="watcher_added").count() == 1  # audited, as on the page
    assert [t["id"] for t in client.get("/api/watching/").json()["results"]] == [ticket.pk]
    assert client.post("/api/watching/", {"ticket": ticket.pk}, format="json").status_code == 201
    assert client.delete(f"/api/watching/{ticket.pk}/").status_code == 204
    assert not ticket.watchers.exists()
    assert client.delete(f"/api/watching/{other.pk}/").status_code == 204  # was not watching


def test_a_customer_watches_only_what_they_may_see(api_as: Any, member: Any, outsider: Any) -> None:
    ticket = file_ticket(member)
    assert api_as(member).post("/api/watching/", {"ticket": ticket.pk}).status_code == 201
    assert api_as(outsider).post("/api/watching/", {"ticket": ticket.pk}).status_code == 404
    assert api_as(outsider).delete(f"/api/watching/{ticket.pk}/").status_code == 404
    assert api_as(outsider).get("/api/watching/").json()["results"] == []
    assert list(ticket.watchers.all()) == [member]


def test_the_refusals_are_said_in_the_callers_language(api_as: Any, member: Any) -> None:
    member.language = "ru"
    member.save(update_fields=["language"])
    client = api_as(member)
    assert client.get("/api/notices/").json()["detail"] == (
        "Уведомления и подписки доступны только сотрудникам исполнителя."
    )
    assert client.get("/api/quarantine/").json()["detail"] == (
        "Карантин писем доступен только сотрудникам исполнителя."
    )
