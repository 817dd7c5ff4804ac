from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """A request by a Russian-speaking user leaves Russian active in this thread: reset it."""
    yield
    translation.activate("en")
