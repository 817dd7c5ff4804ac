"""The explanation of a deadline, in English and Russian, on the ticket and in the API."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import translation

from secondline.calendar import russian_calendar
from secondline.sla import clock, services, wording
from secondline.sla.explain import explain
from secondline.tickets import services as tickets
from secondline.tickets.choices import Priority, Status
from tests.factories import file_ticket, incident_draft
from tests.sla.conftest import msk

CAL = russian_calendar()
FILED = msk(2024, 11, 1, 18, 30)  # Friday evening; Sat 2 Nov works, Mon 4 Nov is Unity Day


def words(hours: int, language: str = "en", spans=None) -> str:
    spans = spans or [(FILED, None)]
    due = clock.deadline(CAL, timedelta(hours=hours), spans, spans[0][0])
    with translation.override(language):
        return wording.sentence(explain(CAL, spans, due))


def test_a_friday_evening_ticket_before_the_holiday_reads_day_by_day() -> None:
    assert words(27) == (
        "filed Fri 1 Nov 18:30 MSK; 30 min counted on Fri 1 Nov; "
        "9 h counted on Sat 2 Nov (working Saturday); Sun 3 Nov off; "
        "Mon 4 Nov public holiday (Unity Day); 9 h counted on Tue 5 Nov; due Wed 6 Nov 18:30"
    )


def test_the_same_in_russian() -> None:
    assert words(27, "ru") == (
        "подана Пт 1 ноября 18:30 МСК; Пт 1 ноября: учтено 30 мин; "
        "Сб 2 ноября: учтено 9 ч (рабочая суббота); Вс 3 ноября: выходные; "
        "Пн 4 ноября праздничный день (День народного единства); Вт 5 ноября: учтено 9 ч; "
        "срок Ср 6 ноября 18:30"
    )


def test_a_short_target_falls_on_the_working_saturday() -> None:
    assert words(4) == (
        "filed Fri 1 Nov 18:30 MSK; 30 min counted on Fri 1 Nov; "
        "due Sat 2 Nov 13:30 (working Saturday)"
    )


def test_it_says_when_the_clock_resumes_after_days_off() -> None:
    filed = msk(2024, 11, 2, 18)  # the working Saturday
    assert words(4, spans=[(filed, None)]) == (
        "filed Sat 2 Nov 18:00 MSK; 1 h counted on Sat 2 Nov (working Saturday); "
        "Sun 3 Nov off; Mon 4 Nov public holiday (Unity Day); resumes Tue 5 Nov 10:00; "
        "due Tue 5 Nov 13:00"
    )


def test_it_groups_the_new_year_holidays_and_shows_a_wait_for_the_customer() -> None:
    spans = [(msk(2025, 12, 30, 18), msk(2026, 1, 12, 11)), (msk(2026, 1, 13, 11), None)]
    text = words(4, spans=spans)
    assert "Wed 31 Dec transferred day off" in text
    assert "Wed 7 Jan public holiday (Christmas Day)" in text
    assert "Fri 9 Jan transferred day off" in text
    assert "waiting for the customer Mon 12 Jan 11:00 – Tue 13 Jan 11:00 (9 h not counted)" in text
    assert text.endswith("due Tue 13 Jan 13:00")


def test_after_hours_filing_is_said() -> None:
    assert words(1, spans=[(msk(2024, 11, 5, 20), None)]).startswith(
        "filed Tue 5 Nov 20:00 MSK (after hours); due Wed 6 Nov 11:00"
    )


@pytest.mark.django_db
def test_the_ticket_explanation_adds_the_reaction(clock, member, agent) -> None:
    clock.move_to(FILED)
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.HIGH))
    clock.move_to(msk(2024, 11, 2, 11))
    tickets.change_status(ticket, agent, Status.ACCEPTED)
    ticket.refresh_from_db()
    assert services.explanation(ticket) == (
        "filed Fri 1 Nov 18:30 MSK; 30 min counted on Fri 1 Nov; "
        "due Sat 2 Nov 13:30 (working Saturday); first reaction Sat 2 Nov 11:00, in time"
    )
    with translation.override("ru"):
        assert services.explanation(ticket).endswith("первая реакция Сб 2 ноября 11:00, в срок")


@pytest.mark.django_db
def test_the_api_gives_the_explanation_on_a_ticket_not_in_lists(clock, api_as, member) -> None:
    clock.move_to(FILED)
    ticket = file_ticket(member, incident_draft(requested_priority=Priority.LOW))
    client = api_as(member)
    detail = client.get(f"/api/tickets/{ticket.pk}/").json()
    assert detail["sla_explanation"].endswith("due Wed 6 Nov 18:30")
    listed = client.get("/api/tickets/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["sla_explanation"] is None
    russian = client.get(f"/api/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="ru").json()
    assert russian["sla_explanation"].startswith("подана Пт 1 ноября 18:30 МСК")


@pytest.mark.django_db
def test_a_declined_ticket_explains_it_does_not_count(clock, member, agent) -> None:
    ticket = file_ticket(member)
    tickets.decline_ticket(ticket, agent, "out-of-scope-db-server")
    ticket.refresh_from_db()
    assert services.explanation(ticket) == "Declined tickets do not count against the SLA."


def test_a_pause_reads_in_the_calendars_time_zone_whatever_zone_it_was_stored_in() -> None:
    """Stops come from the database in UTC; the explanation shows them in Moscow time."""
    utc = dt.UTC
    filed = msk(2024, 11, 5, 10)
    stopped, resumed = msk(2024, 11, 5, 12).astimezone(utc), msk(2024, 11, 5, 14).astimezone(utc)
    spans = [(filed, stopped), (resumed, None)]
    due = clock.deadline(CAL, timedelta(hours=6), spans, filed)
    paused = [part for part in explain(CAL, spans, due) if part.kind == "paused"]
    assert [(p.at.hour, p.until.hour) for p in paused] == [(12, 14)]
    with translation.override("en"):
        assert "12:00" in wording.sentence(explain(CAL, spans, due))
