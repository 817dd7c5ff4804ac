"""A worker's warm-up does the first request's one-off work, and never stops the worker."""

from __future__ import annotations

from typing import Any

import pytest

from secondline import warmup
from secondline.accounts.access import ACTIVE_CONTRACTS
from secondline.api.authentication import TOKEN
from secondline.api.built_once import _BUILT
from secondline.api.serializers import PersonSerializer, TicketSerializer
from secondline.calendar.core import DEFAULT_YEARS
from secondline.calendar.russia import russian_special_days


@pytest.mark.django_db
def test_it_builds_what_the_first_request_would(personas: Any) -> None:
    assert warmup.warm_up(worker=False) == []
    first, last = DEFAULT_YEARS
    assert russian_special_days.cache_info().currsize >= last - first + 1
    assert "default" in TOKEN._compiled and "default" in ACTIVE_CONTRACTS._compiled
    for language in ("en", "ru"):
        assert (TicketSerializer, language) in _BUILT and (PersonSerializer, language) in _BUILT


@pytest.mark.django_db
def test_a_failing_step_is_logged_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ran = []

    def broken() -> None:
        raise RuntimeError("no such table: sla_workingcalendar")

    def fine() -> None:
        ran.append("fine")

    monkeypatch.setattr(warmup, "STEPS", (broken, fine))
    assert warmup.warm_up(worker=False) == ["broken"]
    assert ran == ["fine"]
    assert "warm-up step broken failed" in caplog.text and "no such table" in caplog.text


@pytest.mark.django_db
def test_a_query_that_cannot_be_prepared_is_named_and_the_rest_are_compiled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from secondline.accounts.models import User
    from secondline.prepared import PreparedQuery

    def escaping(text: str) -> Any:
        return User.objects.filter(email__contains=text)

    refused = PreparedQuery(escaping, text=str)
    warmup.compile_prepared_queries()
    assert "cannot be prepared" in caplog.text and "escaping" in caplog.text
    assert "default" not in refused._compiled and "default" in TOKEN._compiled
