"""Fixtures of the team's notifications: a colleague of the agent, and the moments we file at."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from secondline.accounts.models import User
from secondline.subscriptions.models import Subscription
from tests.factories import UserFactory

MOSCOW = ZoneInfo("Europe/Moscow")
# Monday 7 December 2026, 11:00 in Moscow: inside the contract calendar's 10:00-19:00.
MONDAY_11 = dt.datetime(2026, 12, 7, 11, 0, tzinfo=MOSCOW)


@pytest.fixture
def engineer(personas: Any) -> User:
    return UserFactory(
        username="engineer", organization=personas.contractor, role=User.Role.AGENT, language="ru"
    )


def follow_all_new(person: User) -> Subscription:
    subscription, _ = Subscription.objects.update_or_create(
        person=person, defaults={"all_new": True}
    )
    return subscription


@pytest.fixture(autouse=True)
def english_afterwards() -> Any:
    """A Russian page leaves its language active in the thread: the next test starts in
    English whatever this one rendered."""
    from django.utils import translation

    yield
    translation.activate("en")
