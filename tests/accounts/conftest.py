"""What the account tests share: a person with a known password, and English back after a
Russian request (the language stays active in the thread for the next test)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"


@pytest.fixture
def back_to_english() -> Iterator[None]:
    yield
    translation.activate("en")


@pytest.fixture
def alice() -> Any:
    return UserFactory(username="alice", password=PASSWORD)
