"""Raw emails and closed tickets' files are dropped after their retention period, nightly;
email still waiting in the quarantine keeps its bytes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from celery.schedules import crontab
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from secondline.celery import app
from secondline.mail import quarantine
from secondline.mail.models import InboundMessage
from secondline.privacy import tasks
from secondline.privacy.retention import apply_retention
from secondline.tickets.attachments import UploadedFile, add_attachment
from secondline.tickets.models import Attachment, Ticket
from tests.factories import file_ticket
from tests.privacy.conftest import inbound

NOW = timezone.now()


def upload(name: str) -> UploadedFile:
    return UploadedFile(name, ContentFile(b"abc"), 3)


def aged(message: InboundMessage, days: int) -> None:
    InboundMessage.objects.filter(pk=message.pk).update(received_at=NOW - dt.timedelta(days=days))


def test_it_keeps_everything_by_default(personas: Any) -> None:
    old = inbound(b"From: a@b.example\r\n\r\nold", "a@b.example")
    aged(old, 3650)
    assert apply_retention(NOW) == {"raw_emails": 0, "attachments": 0}
    assert bytes(InboundMessage.objects.get(pk=old.pk).raw).endswith(b"old")


def test_it_drops_old_raw_emails_once_they_are_done_with(personas: Any, settings: Any) -> None:
    settings.RAW_EMAIL_RETENTION_DAYS = 30
    old = inbound(b"From: a@b.example\r\n\r\nold", "a@b.example")
    waiting = inbound(b"From: c@b.example\r\n\r\nwaits", "c@b.example", status="received")
    recent = inbound(b"From: d@b.example\r\n\r\nnew", "d@b.example")
    aged(old, 31)
    aged(waiting, 31)
    aged(recent, 29)
    assert apply_retention(NOW)["raw_emails"] == 1
    raws = {m.pk: bytes(m.raw) for m in InboundMessage.objects.all()}
    assert raws[old.pk] == b"" and raws[waiting.pk] and raws[recent.pk]
    assert InboundMessage.objects.get(pk=old.pk).sender == "a@b.example"  # the row stays


def test_it_deletes_the_files_of_tickets_closed_long_ago(personas: Any, settings: Any) -> None:
    settings.ATTACHMENT_RETENTION_DAYS = 90
    closed, still_open = file_ticket(personas.member), file_ticket(personas.member)
    old = add_attachment(closed, personas.member, UploadedFile("old.txt", ContentFile(b"old"), 3))
    kept = add_attachment(
        still_open, personas.member, UploadedFile("new.txt", ContentFile(b"new"), 3)
    )
    Ticket.objects.filter(pk=closed.pk).update(closed_at=NOW - dt.timedelta(days=91))
    assert apply_retention(NOW)["attachments"] == 1
    assert list(Attachment.objects.all()) == [kept]
    assert not default_storage.exists(old.file.name) and default_storage.exists(kept.file.name)


def test_the_clean_up_runs_every_night(personas: Any, settings: Any) -> None:
    entry = app.conf.beat_schedule["privacy-retention"]
    assert entry["task"] == "secondline.privacy.tasks.apply_retention"
    assert entry["schedule"] == crontab(hour=2, minute=30)
    settings.RAW_EMAIL_RETENTION_DAYS = 1
    aged(inbound(b"x", "a@b.example"), 2)
    assert tasks.apply_retention.delay().get() == {"raw_emails": 1, "attachments": 0}


@pytest.mark.parametrize("status", ["quarantined", "duplicate", "ignored"])
def test_email_waiting_in_the_quarantine_keeps_its_bytes(
    personas: Any, settings: Any, status: str
) -> None:
    """The quarantine may still retry it or file it by hand, from its raw bytes."""
    settings.RAW_EMAIL_RETENTION_DAYS = 30
    raw = f"From: {personas.responsible.email}\r\nSubject: Help\r\n\r\nThe report is empty.\r\n"
    waiting = inbound(raw.encode(), personas.responsible.email, status=status)
    discarded = inbound(b"From: spam@b.example\r\n\r\nspam", "spam@b.example", status="discarded")
    aged(waiting, 31)
    aged(discarded, 31)
    assert apply_retention(NOW)["raw_emails"] == 1
    assert bytes(InboundMessage.objects.get(pk=discarded.pk).raw) == b""
    waiting.refresh_from_db()
    ticket = quarantine.turn_into_ticket(waiting, None, personas.agent)
    assert "The report is empty." in ticket.description
