"""The releases API: the same rules as the services, with clear 400/403 answers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from secondline.accounts.models import Contract, User
from secondline.billing.models import WorkLog
from secondline.releases.models import (
    DutyCallout,
    DutyShift,
    Installation,
    ProductVersion,
    UpdatePlan,
    UrgentAlert,
)
from secondline.tickets import services as tickets
from secondline.tickets.choices import Priority, Status
from tests.factories import incident_draft
from tests.releases.conftest import next_weekday_evening

pytestmark = pytest.mark.django_db


def test_a_customer_on_an_old_version_gets_an_update_through_the_api(
    api_as: Any,
    manager: User,
    engineer: User,
    responsible: User,
    installation: Installation,
    versions: dict[str, ProductVersion],
    sent: Any,
) -> None:
    staff, customer = api_as(manager), api_as(responsible)
    with sent():
        answer = staff.post(
            "/api/releases/plans/propose-update/",
            {"installation": installation.pk, "version": versions["4.2.1"].pk},
            format="json",
        )
    assert answer.status_code == 201, answer.json()
    plan_id = answer.json()["id"]
    start = next_weekday_evening(days=3)
    with sent():
        proposed = staff.post(
            f"/api/releases/plans/{plan_id}/windows/",
            {
                "starts_at": start.isoformat(),
                "ends_at": (start + dt.timedelta(hours=2)).isoformat(),
                "engineer": engineer.pk,
                "estimate_hours": "1.5",
            },
            format="json",
        )
    assert proposed.status_code == 201, proposed.json()
    window_id = proposed.json()["id"]

    assert customer.get("/api/releases/plans/").json()[0]["state"] == "window_proposed"
    with sent():
        accepted = customer.post(f"/api/releases/windows/{window_id}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

    with time_machine.travel(start + dt.timedelta(hours=2, minutes=10)), sent():
        done = api_as(engineer).post(
            f"/api/releases/plans/{plan_id}/installed/",
            {
                "started_at": start.isoformat(),
                "finished_at": (start + dt.timedelta(hours=1, minutes=15)).isoformat(),
                "installed_version": versions["4.2.1"].pk,
            },
            format="json",
        )
        assert done.status_code == 200, done.json()
        assert done.json()["state"] == "installed"
        history = customer.get(f"/api/releases/installations/{installation.pk}/history/").json()
        assert history[0]["to_version"]["version"] == "4.2.1"
        with sent():
            confirmed = customer.post(f"/api/releases/plans/{plan_id}/confirm/")
    assert confirmed.json()["state"] == "confirmed"
    plan = UpdatePlan.objects.get(pk=plan_id)
    assert plan.ticket.status == Status.RESOLVED
    work = WorkLog.objects.get(ticket=plan.ticket)
    assert work.activity == "update_installation" and work.billable
    assert work.ended_at - work.started_at == dt.timedelta(hours=1, minutes=15)


def test_other_customers_see_nothing(
    api_as: Any, outsider: User, plan: UpdatePlan, installation: Installation
) -> None:
    client = api_as(outsider)
    assert client.get("/api/releases/plans/").json() == []
    assert client.get(f"/api/releases/plans/{plan.pk}/").status_code == 404
    assert client.get("/api/releases/installations/").json() == []
    assert client.get(f"/api/releases/installations/{installation.pk}/").status_code == 404
    assert client.get("/api/releases/alerts/").json() == []
    assert client.get("/api/releases/duty-shifts/").status_code == 403


def test_customers_cannot_propose(api_as: Any, responsible: User, plan: UpdatePlan) -> None:
    answer = api_as(responsible).post(
        f"/api/releases/plans/{plan.pk}/windows/",
        {
            "starts_at": next_weekday_evening().isoformat(),
            "ends_at": (next_weekday_evening() + dt.timedelta(hours=2)).isoformat(),
            "engineer": responsible.pk,
            "estimate_hours": "2",
        },
        format="json",
    )
    assert answer.status_code == 403


def test_an_expired_contract_is_refused_with_the_reason(
    api_as: Any, manager: User, installation: Installation, versions: dict[str, ProductVersion]
) -> None:
    Contract.objects.filter(pk=installation.contract_id).update(status=Contract.Status.TERMINATED)
    answer = api_as(manager).post(
        "/api/releases/plans/propose-update/",
        {"installation": installation.pk, "version": versions["4.2.1"].pk},
        format="json",
    )
    assert answer.status_code == 403
    assert "active support contract" in answer.json()["detail"]


def test_bad_input_gets_per_field_messages(
    api_as: Any, manager: User, plan: UpdatePlan, engineer: User
) -> None:
    answer = api_as(manager).post(
        f"/api/releases/plans/{plan.pk}/windows/",
        {"starts_at": "tomorrow", "engineer": engineer.pk, "estimate_hours": "99"},
        format="json",
    )
    assert answer.status_code == 400
    assert {"starts_at", "ends_at", "estimate_hours"} <= set(answer.json())
    past = next_weekday_evening(days=-3)
    answer = api_as(manager).post(
        f"/api/releases/plans/{plan.pk}/windows/",
        {
            "starts_at": past.isoformat(),
            "ends_at": (past + dt.timedelta(hours=1)).isoformat(),
            "engineer": engineer.pk,
            "estimate_hours": "1",
        },
        format="json",
    )
    assert answer.status_code == 400 and "starts_at" in answer.json()


def test_managers_edit_the_roster_and_agents_read_it(
    api_as: Any, manager: User, agent: User, member: User
) -> None:
    start = next_weekday_evening(days=1, hour=19)
    shift = {
        "engineer": agent.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=15)).isoformat(),
        "phone": "+7 900 000-00-01",
        "position": 1,
    }
    assert api_as(agent).post("/api/releases/duty-shifts/", shift, format="json").status_code == 403
    created = api_as(manager).post("/api/releases/duty-shifts/", shift, format="json")
    assert created.status_code == 201, created.json()
    assert [s["engineer"] for s in api_as(agent).get("/api/releases/duty-shifts/").json()] == [
        agent.pk
    ]
    customer_shift = {**shift, "engineer": member.pk}
    refused = api_as(manager).post("/api/releases/duty-shifts/", customer_shift, format="json")
    assert refused.status_code == 400 and "engineer" in refused.json()
    backwards = {**shift, "ends_at": start.isoformat()}
    assert (
        api_as(manager).post("/api/releases/duty-shifts/", backwards, format="json").status_code
        == 400
    )
    shift_id = created.json()["id"]
    moved = api_as(manager).patch(
        f"/api/releases/duty-shifts/{shift_id}/", {"position": 2}, format="json"
    )
    assert moved.status_code == 200 and DutyShift.objects.get().position == 2


def test_a_shift_in_the_next_century_is_refused_on_its_field(
    api_as: Any, manager: User, agent: User
) -> None:
    """The API's and the back office's shifts pass one check: aware, within 2000-2099."""
    start = dt.datetime(2150, 1, 1, 19, tzinfo=dt.UTC)
    shift = {
        "engineer": agent.pk,
        "starts_at": start.isoformat(),
        "ends_at": (start + dt.timedelta(hours=15)).isoformat(),
        "phone": "+7 900 000-00-01",
    }
    refused = api_as(manager).post("/api/releases/duty-shifts/", shift, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"starts_at", "ends_at"}
    assert "2000" in refused.json()["starts_at"][0]
    assert not DutyShift.objects.exists()


def test_webhooks_are_for_managers_and_never_show_the_secret(
    api_as: Any, manager: User, agent: User, settings: Any
) -> None:
    settings.ALERT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    hook = {"name": "SMS", "url": "http://127.0.0.1:9/hook", "secret": "s" * 20}
    assert api_as(agent).post("/api/releases/webhooks/", hook, format="json").status_code == 403
    created = api_as(manager).post("/api/releases/webhooks/", hook, format="json")
    assert created.status_code == 201
    assert "secret" not in created.json()
    short = {**hook, "secret": "short"}
    assert api_as(manager).post("/api/releases/webhooks/", short, format="json").status_code == 400


def test_the_engineer_acknowledges_through_the_api_and_records_the_call(
    api_as: Any, member: User, agent: User, sent: Any
) -> None:
    now = next_weekday_evening(days=-1, hour=2)
    DutyShift.objects.create(
        engineer=agent,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        phone="+7 900 5",
    )
    with time_machine.travel(now, tick=False), sent():
        ticket = tickets.file_ticket(member, incident_draft(requested_priority=Priority.URGENT))
    alert = UrgentAlert.objects.get(ticket=ticket, channel="email")
    client = api_as(agent)
    listed = client.get("/api/releases/alerts/", {"ticket": ticket.pk}).json()
    assert [a["id"] for a in listed] == [alert.pk]
    assert api_as(member).post(f"/api/releases/alerts/{alert.pk}/acknowledge/").status_code == 404
    with sent():
        answer = client.post(f"/api/releases/alerts/{alert.pk}/acknowledge/")
    assert answer.status_code == 200 and answer.json()["acknowledged_at"]
    assert DutyCallout.objects.get(ticket=ticket).acknowledged_by == agent

    call = client.post(
        "/api/releases/phone-calls/",
        {"ticket": ticket.pk, "caller_name": "Mila", "summary": "Confirmed by phone."},
        format="json",
    )
    assert call.status_code == 201, call.json()
    assert (
        api_as(member)
        .post(
            "/api/releases/phone-calls/",
            {"ticket": ticket.pk, "caller_name": "Mila", "summary": "x"},
            format="json",
        )
        .status_code
        == 403
    )
    assert (
        client.post(
            "/api/releases/phone-calls/",
            {"ticket": 10**9, "caller_name": "A", "summary": "B"},
            format="json",
        ).status_code
        == 400
    )


def test_the_catalogue_is_read_by_all_and_edited_by_managers(
    api_as: Any, member: User, manager: User, versions: dict[str, ProductVersion]
) -> None:
    assert len(api_as(member).get("/api/releases/versions/").json()) == 3
    new = {
        "product": "SecondLine ERP",
        "version": "5.0.0",
        "released_on": "2026-02-01",
        "kind": "new_version",
        "notes_en": "Big one.",
        "notes_ru": "Большой выпуск.",
    }
    assert api_as(member).post("/api/releases/versions/", new, format="json").status_code == 403
    assert api_as(manager).post("/api/releases/versions/", new, format="json").status_code == 201
    again = api_as(manager).post("/api/releases/versions/", new, format="json")
    assert again.status_code == 400


def test_far_off_filter_times_are_refused_not_sent_to_the_database(
    api_as: Any, manager: User
) -> None:
    odd = {"ends_after": "0232-04-13T07:55:31-20:59", "starts_before": "2026-01-01T00:00:00Z"}
    answer = api_as(manager).get("/api/releases/duty-shifts/", odd)
    assert answer.status_code == 400 and "ends_after" in answer.json()
    assert (
        api_as(manager)
        .get("/api/releases/windows/", {"starts_after": "9999-12-31T23:59:59+14:00"})
        .status_code
        == 400
    )
    wide_offset = {"ends_after": "2026-04-13T07:55:31-20:59"}
    assert api_as(manager).get("/api/releases/duty-shifts/", wide_offset).status_code == 200
    # the span every other time of ours is checked against (common.moments): 2100 is outside
    refused = api_as(manager).get("/api/releases/windows/", {"starts_after": "2100-01-01T00:00Z"})
    assert refused.json() == {"starts_after": ["Give a time between the years 2000 and 2099."]}
    naive = api_as(manager).get("/api/releases/windows/", {"starts_after": "2099-12-31T23:00"})
    assert naive.status_code == 200
