"""The plan page's windows and installation times are typed in the server's zone (TIME_ZONE,
Europe/Moscow), the zone the release pages, their clash messages and emails show them in: each
time's label names it, and the form reads it there whatever zone is active."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from secondline.accounts.models import User
from secondline.releases.forms import InstallationDoneForm
from secondline.releases.models import InstallationWindow, UpdatePlan
from tests.releases.conftest import next_weekday_evening

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "label"), [("en", "Starts (Europe/Moscow)"), ("ru", "Начало (Europe/Moscow)")]
)
def test_the_window_form_names_its_zone_in_the_readers_language(
    plan: UpdatePlan, manager: User, language: str, label: str
) -> None:
    manager.language = language
    manager.save()
    page = _client(manager).get(f"/releases/plans/{plan.ticket_id}/").content.decode()
    assert label in page


def test_a_window_is_read_in_the_zone_its_label_names(
    plan: UpdatePlan, manager: User, engineer: User, sent: Any
) -> None:
    start = next_weekday_evening(days=3).astimezone(ZoneInfo("Europe/Moscow"))
    window = {
        "action": "propose",
        "starts_at": start.strftime(LOCAL),
        "ends_at": (start + dt.timedelta(hours=2)).strftime(LOCAL),
        "engineer": str(engineer.pk),
        "estimate_hours": "2",
    }
    with sent(), timezone.override(ZoneInfo("Asia/Vladivostok")):
        answer = _client(manager).post(f"/releases/plans/{plan.ticket_id}/", window)
    assert answer.status_code == 302
    assert InstallationWindow.objects.get().starts_at == start


def test_the_installation_record_is_read_in_the_zone_its_label_names(plan: UpdatePlan) -> None:
    typed = {
        "started_at": "2026-11-20T20:00",
        "finished_at": "2026-11-20T21:00",
        "installed_version": str(plan.target_version_id),
    }
    with timezone.override(ZoneInfo("Asia/Vladivostok")):
        form = InstallationDoneForm(typed, plan=plan)
        assert form.is_valid(), form.errors
    moscow = ZoneInfo("Europe/Moscow")
    assert form.cleaned_data["started_at"] == dt.datetime(2026, 11, 20, 20, tzinfo=moscow)
    assert str(form["finished_at"].label) == "Finished (Europe/Moscow)"
