"""What the system writes on a ticket reads in each reader's language: a fixed reason is stored
as its English text and worded when read (TicketEvent.shown_reason)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from secondline.billing import events as billing_events
from secondline.billing.models import OutOfHoursRequest
from secondline.releases import events as release_events
from secondline.releases.models import Installation, ProductVersion
from secondline.tickets import services
from secondline.tickets.choices import Status
from secondline.tickets.models import TicketEvent
from secondline.tickets.reasons import NOTE, worded
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db


def test_a_fixed_reason_reads_in_the_readers_language(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    services.change_status(
        ticket, personas.agent, Status.WAITING_FOR_CUSTOMER, reason="Send the log"
    )
    with translation.override("ru"):  # a Russian customer answers: the reason is stored as is
        services.add_comment(ticket, personas.member, "Вот журнал")
    moved = ticket.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED).order_by("pk")
    asked, answered = moved[0], moved[1]
    assert answered.reason == "The customer answered."
    with translation.override("ru"):
        assert answered.shown_reason == "Заказчик ответил."
        assert asked.shown_reason == "Send the log"  # a person's words stay as written
    with translation.override("en"):
        assert answered.shown_reason == "The customer answered."


def test_the_duty_alerts_reason_reads_in_the_readers_language(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    with translation.override("en"):
        event = release_events.duty_alerted(ticket, 0, "Engineer One")
    with translation.override("ru"):
        assert event.shown_reason != "Engineer on duty alerted."
        assert event.shown_reason


def test_a_reason_with_figures_reads_in_the_readers_language(personas: Any) -> None:
    """A Russian engineer plans the update; the English customer reads the plan in English."""
    ticket = file_ticket(personas.member)
    version = ProductVersion(product="Warehouse", version="8.4")
    installation = Installation(name="Main server")
    with translation.override("ru"):
        event = release_events.update_planned(ticket, personas.agent, "web", installation, version)
    event.refresh_from_db()
    with translation.override("en"):
        assert event.shown_reason == "Planned: Warehouse 8.4 on Main server."
    with translation.override("ru"):
        assert event.shown_reason == "Запланировано: Warehouse 8.4 на Main server."


def test_a_persons_words_stay_under_the_worded_sentence(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    request = OutOfHoursRequest(
        ticket=ticket,
        window_start=dt.datetime(2026, 12, 5, 7, 0, tzinfo=dt.UTC),
        window_end=dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC),
        estimated_hours=Decimal("2.0"),
        hourly_rate=Decimal("1500.00"),
        multiplier=Decimal("2.00"),
        out_of_hours_rate=Decimal("3000.00"),
        currency="RUB",
    )
    with translation.override("en"):
        event = billing_events.out_of_hours_decided(
            request,
            personas.responsible,
            "web",
            approve=True,
            side="customer",
            old_status="requested",
            comment="Только в субботу",
        )
    event.refresh_from_db()
    with translation.override("ru"):
        sentence, note = event.shown_reason.split("\n")
        assert sentence.startswith("Заказчик: окно 2026-12-05 10:00 – 2026-12-05 12:00")
        assert "3000.00 RUB" in sentence and note == "Только в субботу"
    with translation.override("en"):
        assert event.shown_reason.startswith("Customer: window 2026-12-05 10:00")


@pytest.mark.parametrize(
    ("text", "params", "shown"),
    [
        ("", {}, ""),
        ("Work log removed.", {}, "Запись о работе удалена."),
        ("Statement line disputed.", {NOTE: "Not ours"}, "Строка акта оспорена.\nNot ours"),
        ("Statement line disputed.", {NOTE: ""}, "Строка акта оспорена."),
        ("100% done, no figures", {}, "100% done, no figures"),  # a person's words, as written
    ],
)
def test_worded(text: str, params: dict[str, object], shown: str) -> None:
    with translation.override("ru"):
        assert worded(text, params) == shown


def test_the_back_office_shows_the_worded_reason(admin_client: Any, personas: Any) -> None:
    ticket = file_ticket(personas.member)
    version = ProductVersion(product="Warehouse", version="8.4")
    event = release_events.update_planned(
        ticket, personas.agent, "web", Installation(name="Main server"), version
    )
    page = admin_client.get(reverse("admin:tickets_ticketevent_change", args=[event.pk]))
    assert "Planned: Warehouse 8.4 on Main server." in page.content.decode()
    assert "%(version)s" not in page.content.decode()
