from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

MSK = ZoneInfo("Europe/Moscow")


def msk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MSK)


@pytest.fixture
def clock() -> Iterator[Any]:
    """The test's clock, stopped at Monday 2 March 2026 10:00 MSK; ``clock.move_to(...)``."""
    with time_machine.travel(msk(2026, 3, 2, 10), tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Each test starts in English, whatever language an earlier request activated."""
    from django.utils import translation

    with translation.override("en"):
        yield
