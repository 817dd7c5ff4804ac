"""GET /api/organizations/{id}/audit/: an organisation's record as CSV or JSON, for the
contractor's managers (every event) and the customer's responsible person (its own
organisation, public events only); another customer's organisation is a 404 like a missing one.
And the staff's correction of a comment, the event the export carries."""

from __future__ import annotations

import csv
import io
import json

import pytest

from secondline.accounts.models import User
from secondline.tickets import services
from secondline.tickets.corrections import correct_comment
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db


def _audit(client, org_id: int, **params: str):
    return client.get(f"/api/organizations/{org_id}/audit/", params)


def _json(answer) -> list[dict]:
    return json.loads(b"".join(answer.streaming_content))


def _csv(answer) -> list[list[str]]:
    text = b"".join(answer.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.fixture
def history(personas, member: User, agent: User):
    ticket = file_ticket(member)
    services.add_comment(ticket, agent, "Looking", public=False)
    services.assign(ticket, agent, agent)
    services.add_comment(ticket, agent, "=HYPERLINK(1)")
    file_ticket(personas.outsider)  # another customer's ticket, in no export of this one
    return ticket


def test_a_manager_gets_every_event_of_the_organisation_as_json(
    api_as, manager, personas, history
) -> None:
    answer = _audit(api_as(manager), personas.customer.pk, format="json")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    assert "attachment" in answer["Content-Disposition"]
    rows = _json(answer)
    assert {row["ticket"] for row in rows} == {history.number}
    assert [row["kind"] for row in rows] == list(
        history.events.order_by("created_at", "id").values_list("kind", flat=True)
    )
    assert any(not row["is_public"] for row in rows)
    assert set(rows[0]) >= {"at", "actor", "kind", "old_value", "new_value", "reason"}


def test_the_responsible_person_gets_the_public_events_as_csv(
    api_as, responsible, personas, history
) -> None:
    answer = _audit(api_as(responsible), personas.customer.pk, format="csv")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    header, *lines = _csv(answer)
    assert header[:3] == ["id", "ticket", "at"]
    public = history.events.filter(is_public=True).count()
    assert len(lines) == public < history.events.count()
    assert all(line[header.index("is_public")] == "True" for line in lines)
    assert "assigned" not in {line[header.index("kind")] for line in lines}


def test_since_and_until_bound_the_export(api_as, manager, personas, history) -> None:
    events = list(history.events.order_by("created_at", "id"))
    client, org = api_as(manager), personas.customer.pk
    since = events[1].created_at
    rows = _json(_audit(client, org, since=since.isoformat()))
    assert [row["id"] for row in rows] == [e.pk for e in events if e.created_at >= since]
    assert _json(_audit(client, org, until=events[0].created_at.isoformat())) == []
    bad = _audit(client, org, since="2026-01-01T10:00:00+16:00")
    assert bad.status_code == 400 and "since" in bad.json()


def test_a_csv_cell_that_would_be_a_formula_is_written_as_text(
    api_as, manager, personas, history, agent
) -> None:
    comment = history.comments.get(body="=HYPERLINK(1)")
    correct_comment(comment, agent, "+fixed", "-typo")
    header, *lines = _csv(_audit(api_as(manager), personas.customer.pk, format="csv"))
    last = dict(zip(header, lines[-1], strict=True))
    assert last["kind"] == "comment_corrected"
    assert last["old_value"] == "'=HYPERLINK(1)"
    assert last["new_value"] == "'+fixed" and last["reason"] == "'-typo"


def test_another_customers_organisation_is_a_404_like_a_missing_one(
    api_as, personas, responsible, history
) -> None:
    client = api_as(responsible)
    for form in ("json", "csv"):
        foreign = _audit(client, personas.other_customer.pk, format=form)
        missing = _audit(client, 999_999, format=form)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.content == missing.content


@pytest.mark.parametrize("persona", ["agent", "member"])
def test_others_who_see_the_organisation_may_not_export_it(
    api_as, personas, persona, history
) -> None:
    answer = _audit(api_as(getattr(personas, persona)), personas.customer.pk)
    assert answer.status_code == 403
    assert "responsible person" in answer.json()["detail"]


def test_the_outsiders_responsible_person_exports_only_their_own(api_as, personas, history) -> None:
    client = api_as(personas.outsider_responsible)
    assert _audit(client, personas.customer.pk).status_code == 404
    rows = _json(_audit(client, personas.other_customer.pk))
    assert rows and history.number not in {row["ticket"] for row in rows}


def test_signed_out_is_refused(client, personas) -> None:
    assert _audit(client, personas.customer.pk).status_code in {401, 403}


def test_staff_correct_a_comment_through_the_api(api_as, agent, member, history) -> None:
    comment = history.comments.get(body="Looking")
    url = f"/api/tickets/{history.pk}/comments/{comment.pk}/correct/"
    answer = api_as(agent).post(url, {"body": "Looking into it", "reason": "Clearer"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["body"] == "Looking into it" and answer.json()["corrected_at"]
    event = history.events.get(kind="comment_corrected")
    assert (event.old_value, event.channel) == ("Looking", "api")
    # a customer may not, and an internal note is not even there for them
    refused = api_as(member).post(url, {"body": "x", "reason": "y"})
    assert refused.status_code == 404
    public = history.comments.get(body="=HYPERLINK(1)")
    url = f"/api/tickets/{history.pk}/comments/{public.pk}/correct/"
    assert api_as(member).post(url, {"body": "x", "reason": "y"}).status_code == 403
