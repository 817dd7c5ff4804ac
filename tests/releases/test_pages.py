"""The pages under /releases/: the windows calendar, the plan page, the catalogue, the roster."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from secondline.accounts.models import User
from secondline.releases import windows
from secondline.releases.models import Installation, InstallationWindow, ProductVersion, UpdatePlan
from tests.releases.conftest import next_weekday_evening, window_kwargs

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_windows_calendar_shows_agreed_windows_of_all_customers(
    plan: UpdatePlan,
    manager: User,
    engineer: User,
    responsible: User,
    agent: User,
    django_assert_max_num_queries: Any,
) -> None:
    start = next_weekday_evening(days=2)
    window = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
    windows.accept_window(window, responsible)
    client = _client(agent)
    with django_assert_max_num_queries(8):
        page = client.get("/releases/windows/", {"week": start.date().isoformat()})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Volga Logistics" in text and plan.ticket.number in text
    day = client.get("/releases/windows/", {"view": "day", "day": start.date().isoformat()})
    assert plan.ticket.number in day.content.decode()
    other_day = (start + dt.timedelta(days=1)).date().isoformat()
    assert (
        plan.ticket.number
        not in client.get("/releases/windows/", {"view": "day", "day": other_day}).content.decode()
    )


def test_customers_cannot_open_the_windows_calendar_or_roster(responsible: User) -> None:
    client = _client(responsible)
    assert client.get("/releases/windows/").status_code == 403
    assert client.get("/releases/duty/").status_code == 403


def test_the_responsible_accepts_on_the_plan_page(
    plan: UpdatePlan, manager: User, engineer: User, responsible: User, sent: Any
) -> None:
    staff = _client(manager)
    start = next_weekday_evening(days=3)
    with sent():
        proposed = staff.post(
            f"/releases/plans/{plan.ticket_id}/",
            {
                "action": "propose",
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "engineer": engineer.pk,
                "estimate_hours": "2",
            },
        )
    assert proposed.status_code == 302
    window = InstallationWindow.objects.get()
    customer = _client(responsible)
    page = customer.get(f"/releases/plans/{plan.ticket_id}/")
    assert "Accept this window" in page.content.decode()
    with sent():
        customer.post(
            f"/releases/plans/{plan.ticket_id}/", {"action": "accept", "window": window.pk}
        )
    window.refresh_from_db()
    assert window.status == InstallationWindow.Status.ACCEPTED


def test_the_plan_page_shows_errors_not_500s(
    plan: UpdatePlan, manager: User, responsible: User
) -> None:
    answer = _client(manager).post(
        f"/releases/plans/{plan.ticket_id}/",
        {"action": "propose", "starts_at": "garbage", "engineer": "x", "estimate_hours": "y"},
    )
    assert answer.status_code == 400
    errors = answer.context["window_form"].errors
    assert {"starts_at", "ends_at", "engineer", "estimate_hours"} <= set(errors)
    denied = _client(responsible).post(f"/releases/plans/{plan.ticket_id}/", {"action": "confirm"})
    assert denied.status_code == 400


def test_other_customers_do_not_reach_the_plan(plan: UpdatePlan, outsider: User) -> None:
    assert _client(outsider).get(f"/releases/plans/{plan.ticket_id}/").status_code == 404


def test_the_catalogue_offers_staff_the_newer_version(
    installation: Installation,
    versions: dict[str, ProductVersion],
    manager: User,
    member: User,
    sent: Any,
) -> None:
    page = _client(member).get("/releases/")
    text = page.content.decode()
    assert "4.1.0" in text and "4.2.1" in text and "Propose the update" not in text
    staff = _client(manager)
    assert "Propose the update" in staff.get("/releases/").content.decode()
    with sent():
        answer = staff.post(
            f"/releases/installations/{installation.pk}/propose/",
            {"version": versions["4.2.1"].pk},
        )
    plan = UpdatePlan.objects.get()
    assert answer["Location"] == f"/releases/plans/{plan.ticket_id}/"


def test_the_roster_page_shows_who_is_on_duty(agent: User, manager: User) -> None:
    from django.utils import timezone

    from secondline.releases.models import DutyShift

    now = timezone.now()
    DutyShift.objects.create(
        engineer=agent,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=5),
        phone="+7 900 7",
    )
    text = _client(manager).get("/releases/duty/").content.decode()
    assert "+7 900 7" in text and str(agent) in text


def test_managers_edit_the_roster_in_the_back_office(manager: User, agent: User) -> None:
    User.objects.filter(pk=manager.pk).update(is_staff=True, is_superuser=True)
    client = _client(manager)
    form = {
        "engineer": agent.pk,
        "starts_at_0": "2026-12-01",
        "starts_at_1": "19:00",
        "ends_at_0": "2026-12-01",
        "ends_at_1": "18:00",
        "phone": "",
        "position": 1,
        "note": "",
    }
    refused = client.post("/admin/releases/dutyshift/add/", form)
    assert refused.status_code == 200
    from secondline.releases.models import DutyShift

    assert not DutyShift.objects.exists()
    agent.phone = "+7 900 3"
    agent.save()
    saved = client.post(
        "/admin/releases/dutyshift/add/", {**form, "ends_at_0": "2026-12-02", "ends_at_1": "10:00"}
    )
    assert saved.status_code == 302
    assert DutyShift.objects.get().phone == "+7 900 3"
