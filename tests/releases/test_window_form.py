"""The plan page's window proposal: each bad value is refused on its own field, what was typed
stays, and the service's rules (the span of years among them) hold on the page and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from secondline.accounts.models import User
from secondline.releases import windows
from secondline.releases.models import InstallationWindow, UpdatePlan
from tests.releases.conftest import next_weekday_evening, window_kwargs

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _window(engineer: User, typed: dict[str, str] | None = None) -> dict[str, Any]:
    start = next_weekday_evening(days=3)
    window = {
        "action": "propose",
        "starts_at": start.strftime(LOCAL),
        "ends_at": (start + dt.timedelta(hours=2)).strftime(LOCAL),
        "engineer": str(engineer.pk),
        "estimate_hours": "2",
        "note": "Back up first",
    }
    return window | (typed or {})


@pytest.mark.parametrize(
    ("typed", "fields", "refusal"),
    [
        ({"starts_at": "2026-02-30T10:00"}, {"starts_at"}, "Enter a valid date/time."),
        ({"engineer": "Ivan"}, {"engineer"}, "Select a valid choice."),
        ({"estimate_hours": "two"}, {"estimate_hours"}, "Enter a number."),
        (
            {"starts_at": "9999-12-30T10:00", "ends_at": "9999-12-30T12:00"},
            {"starts_at", "ends_at"},
            "Give a time between the years 2000 and 2099.",
        ),
    ],
)
def test_a_bad_window_is_refused_on_its_field_with_what_was_typed_kept(
    plan: UpdatePlan,
    manager: User,
    engineer: User,
    typed: dict[str, str],
    fields: set[str],
    refusal: str,
) -> None:
    window = _window(engineer, typed)
    answer = _client(manager).post(f"/releases/plans/{plan.ticket_id}/", window)
    assert answer.status_code == 400
    form = answer.context["window_form"]
    assert set(form.errors) == fields
    for field in fields:
        assert refusal in " ".join(form.errors[field])
    assert refusal in answer.content.decode()
    for name in ("starts_at", "ends_at", "engineer", "estimate_hours", "note"):
        assert str(form[name].value()) == window[name]
    assert not InstallationWindow.objects.exists()
    plan.refresh_from_db()
    assert plan.state == UpdatePlan.State.AWAITING_WINDOW


def test_the_api_refuses_a_window_out_of_the_span_too(
    api_as: Any, plan: UpdatePlan, manager: User, engineer: User
) -> None:
    answer = api_as(manager).post(
        f"/api/releases/plans/{plan.pk}/windows/",
        {
            "starts_at": "9999-12-30T10:00:00+03:00",
            "ends_at": "9999-12-30T12:00:00+03:00",
            "engineer": engineer.pk,
            "estimate_hours": "2",
        },
        format="json",
    )
    assert answer.status_code == 400
    assert "between the years 2000 and 2099" in str(answer.json())
    assert not InstallationWindow.objects.exists()


def test_a_good_window_is_proposed(
    plan: UpdatePlan, manager: User, engineer: User, sent: Any
) -> None:
    with sent():
        answer = _client(manager).post(f"/releases/plans/{plan.ticket_id}/", _window(engineer))
    assert answer.status_code == 302
    window = InstallationWindow.objects.get()
    assert window.engineer == engineer and window.note == "Back up first"
    assert window.starts_at == next_weekday_evening(days=3)


@pytest.mark.parametrize(
    ("typed", "field", "refusal"),
    [
        ({"started_at": "2026-02-30T10:00"}, "started_at", "Enter a valid date/time."),
        ({"installed_version": "4.2.1"}, "installed_version", "Select a valid choice."),
        ({"finished_at": "0001-01-01T10:00"}, "finished_at", "2099"),  # in her Russian
        ({"override_reason": "x" * 301}, "override_reason", "at most 300 characters"),
    ],
)
def test_a_bad_installation_record_is_refused_on_its_field(
    plan: UpdatePlan,
    manager: User,
    engineer: User,
    responsible: User,
    sent: Any,
    typed: dict[str, str],
    field: str,
    refusal: str,
) -> None:
    """Not "Fill in when the installation started and finished." over the whole form: each
    value's own message, the others kept."""
    start = next_weekday_evening(days=3)
    with sent():
        window = windows.propose_window(plan, manager, **window_kwargs(engineer, start))
        windows.accept_window(window, responsible)
    record = {
        "action": "installed",
        "started_at": "2026-11-20T20:00",
        "finished_at": "2026-11-20T21:00",
        "installed_version": str(plan.target_version_id),
        "note": "Keep this note",
    } | typed
    answer = _client(engineer).post(f"/releases/plans/{plan.ticket_id}/", record)
    assert answer.status_code == 400
    form = answer.context["installed_form"]
    assert refusal in " ".join(form.errors[field]), form.errors
    assert "Keep this note" in answer.content.decode()
    plan.refresh_from_db()
    assert plan.state == UpdatePlan.State.WINDOW_AGREED
