"""Fixtures of the releases tests: a small catalogue, an installation on an old version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from secondline.accounts.models import User
from secondline.releases import plans
from secondline.releases.models import Installation, ProductVersion, UpdatePlan, VersionKind
from tests.factories import UserFactory

MSK = dt.timezone(dt.timedelta(hours=3))


@pytest.fixture
def versions(db: Any) -> dict[str, ProductVersion]:
    rows = [
        ("4.1.0", dt.date(2025, 3, 1), VersionKind.NEW_VERSION),
        ("4.2.0", dt.date(2025, 9, 1), VersionKind.UPDATE),
        ("4.2.1", dt.date(2025, 10, 1), VersionKind.HOTFIX),
    ]
    return {
        version: ProductVersion.objects.create(
            product="SecondLine ERP",
            version=version,
            released_on=released,
            kind=kind,
            notes_en=f"What is new in {version}.",
            notes_ru=f"Что нового в {version}.",
        )
        for version, released, kind in rows
    }


@pytest.fixture
def installation(personas: Any, versions: dict[str, ProductVersion]) -> Installation:
    return Installation.objects.create(
        contract=personas.contract,
        name="Production",
        product="SecondLine ERP",
        current_version=versions["4.1.0"],
    )


@pytest.fixture
def engineer(personas: Any) -> User:
    return UserFactory(
        username="engineer",
        organization=personas.contractor,
        role=User.Role.AGENT,
        language="ru",
        phone="+7 900 111-11-11",
    )


@pytest.fixture
def plan(
    installation: Installation, versions: dict[str, ProductVersion], manager: User, sent: Any
) -> UpdatePlan:
    with sent():
        return plans.propose_update(installation, versions["4.2.1"], manager)


def next_weekday_evening(days: int = 3, hour: int = 20) -> dt.datetime:
    """A moment a few days ahead at the given Moscow hour."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=MSK)


def window_kwargs(engineer: User, start: dt.datetime, hours: int = 2) -> dict[str, Any]:
    return {
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=hours),
        "engineer": engineer,
        "estimate_hours": Decimal(hours),
    }
