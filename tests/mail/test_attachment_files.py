"""Attachment files are written before their rows commit: a transaction that rolls back takes
its files along, and the hourly sweep deletes what a killed process left behind."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from secondline.mail import batches, intake, notes
from secondline.mail.models import InboundMessage
from secondline.tickets import files
from secondline.tickets.models import Ticket
from tests.mail.conftest import eml

Status = InboundMessage.Status
# Real commits and rollbacks: the test's own transaction would hide both.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def files_in(media: Path) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def fail_after_the_files_are_written(monkeypatch) -> None:
    def boom(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(notes, "note_on_ticket", boom)  # runs after file_ticket wrote them


@pytest.mark.parametrize("path", ["ingest_message", "ingest_many"])
def test_work_rolled_back_leaves_no_attachment_files(member, media, monkeypatch, path) -> None:
    fail_after_the_files_are_written(monkeypatch)
    raw = eml("attachments.eml", sender=member.email)
    if path == "ingest_message":
        status = intake.ingest_message(raw).status
    else:
        status = next(batches.ingest_many([(raw, "import:x")])).status
    assert status == Status.QUARANTINED
    assert Ticket.objects.count() == 0
    assert files_in(media) == []


def test_a_committed_ticket_keeps_its_files(member, media) -> None:
    outcome = intake.ingest_message(eml("attachments.eml", sender=member.email))
    assert outcome.status == Status.TICKET
    names = [a.file.name for a in outcome.message.result_ticket.attachments.all()]
    assert len(names) == 3 and files_in(media) == sorted(names)


def test_the_sweep_deletes_only_old_files_that_no_row_names(member, media) -> None:
    outcome = intake.ingest_message(eml("attachments.eml", sender=member.email))
    kept = files_in(media)
    orphans = media / "attachments" / "999999"
    orphans.mkdir(parents=True)
    (orphans / "old.txt").write_text("left by a killed process")
    (orphans / "young.txt").write_text("its transaction may still be open")
    two_hours_ago = time.time() - dt.timedelta(hours=2).total_seconds()
    os.utime(orphans / "old.txt", (two_hours_ago, two_hours_ago))
    for name in kept:
        os.utime(media / name, (two_hours_ago, two_hours_ago))
    assert files.sweep_orphans() == 1
    assert files_in(media) == sorted([*kept, "attachments/999999/young.txt"])
    assert outcome.message.result_ticket.attachments.count() == 3
