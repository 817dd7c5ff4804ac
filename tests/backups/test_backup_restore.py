"""`secondline backup` and `secondline restore`: a populated database comes back row for row
and every attachment byte for byte; a damaged archive, another vendor's archive and a database
in use are refused before anything is touched."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from secondline.backups import archive
from secondline.billing import worklogs
from secondline.tickets import attachments, services
from secondline.tickets.choices import Status
from tests.backups.conftest import KEY
from tests.backups.rows import table_rows
from tests.factories import consultation_draft, file_ticket, filed_long_ago

ROOT = Path(__file__).resolve().parents[2]


def upload(name: str, data: bytes) -> attachments.UploadedFile:
    return attachments.UploadedFile(name, ContentFile(data), len(data))


def populate(personas: Any) -> None:
    """Tickets with comments, notes, attachments (real files), events and work logs."""
    for n in range(3):
        ticket = filed_long_ago(file_ticket(personas.member))
        services.add_comment(
            ticket, personas.member, f"Still broken {n}", files=[upload("trace.log", b"x" * n)]
        )
        services.add_comment(ticket, personas.agent, "Looking", public=False)
        attachments.add_attachment(
            ticket, personas.agent, upload(f"дамп-{n}.bin", bytes(range(256)))
        )
        services.change_status(ticket, personas.agent, Status.IN_PROGRESS)
        start = dt.datetime(2024, 11, 1, 10, tzinfo=dt.UTC) + dt.timedelta(days=n)
        worklogs.log_work(
            ticket,
            personas.agent,
            worklogs.WorkEntry("analysis", start, start + dt.timedelta(hours=1)),
        )
    file_ticket(personas.outsider, consultation_draft())


def restore_in_a_new_process(
    file: Path, place: Path, database_url: str, *args: str, storage: dict[str, str] | None = None
) -> Any:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "MEDIA_ROOT"}
        and not key.startswith("STORAGE_")
    }
    env.update(
        DATABASE_URL=database_url,
        SECONDLINE_VAR_DIR=str(place / "var"),
        MEDIA_ROOT=str(place / "media"),
        **(storage or {}),
    )
    restore = [sys.executable, "-m", "secondline.cli", "restore", str(file), *args]
    result = subprocess.run(restore, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    rows = subprocess.run(
        [sys.executable, "-m", "tests.backups.rows"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return result, json.loads(rows.stdout)


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file()
    }


def round_trip(folders: Path, personas: Any, database_url: str) -> None:
    populate(personas)
    file = folders / "backup.tar.gz"
    call_command("backup", str(file))
    assert file.stat().st_mode & 0o777 == 0o600  # it holds every ticket and the key
    expected = table_rows()
    assert len(expected["tickets_attachment"]) == 6 and expected["billing_worklog"]
    assert expected["tickets_ticketevent"] and expected["tickets_comment"]

    result, restored = restore_in_a_new_process(file, folders / "target", database_url)

    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stdout and not result.stderr
    assert restored.keys() == expected.keys()
    for table, rows in expected.items():
        assert restored[table] == rows, table
    source, target = folders / "source", folders / "target"
    assert files_under(target / "media") == files_under(source / "media")
    assert len(files_under(source / "media")) == 6
    assert (target / "var" / "secret_key").read_text() == KEY
    with tarfile.open(file) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["tables"] == {table: len(rows) for table, rows in expected.items()}

    again, _rows = restore_in_a_new_process(file, target, database_url)
    assert again.returncode == 1
    assert "add --force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    forced, rows_after = restore_in_a_new_process(file, target, database_url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert rows_after == expected


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_every_row_and_file_on_sqlite(folders: Path, personas: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL: see the PostgreSQL test")
    round_trip(folders, personas, f"sqlite:///{folders / 'restored.sqlite3'}")


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_every_row_and_file_on_postgresql(
    folders: Path, personas: Any, second_postgresql_database: str
) -> None:
    round_trip(folders, personas, second_postgresql_database)


# Refusals. The archives are made by hand: what is refused is the archive, not its dump.


def make_archive(folder: Path, vendor: str | None = None, **changes: bytes) -> Path:
    """A small archive of this vendor's kind; ``changes`` alter members after the manifest."""
    vendor = vendor or connection.vendor
    dump = folder / "dump"
    dump.write_bytes(b"not really a database")
    media = folder / "a.txt"
    media.write_bytes(b"an attachment")
    manifest = {
        "application": "secondline",
        "format": archive.FORMAT,
        "created_at": "2026-05-01T10:00:00+00:00",
        "database": {
            "vendor": vendor,
            "file": f"database.{'sqlite3' if vendor == 'sqlite' else 'pgdump'}",
        },
        "tables": {},
    }
    file = folder / "backup.tar.gz"
    archive.write(file, {manifest["database"]["file"]: dump, "media/a.txt": media}, manifest)
    if changes:
        unpacked = folder / "unpacked"
        with tarfile.open(file) as tar:
            tar.extractall(unpacked, filter="data")
        for name, data in changes.items():
            (unpacked / name.replace("__", "/")).write_bytes(data)
        with tarfile.open(file, "w:gz") as tar:
            for path in sorted(unpacked.rglob("*")):
                if path.is_file():
                    tar.add(path, arcname=path.relative_to(unpacked).as_posix())
    return file


def refused(file: Path, *args: str) -> str:
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(file), *args)
    return str(refusal.value)


@pytest.fixture
def untouched(folders: Path, settings: Any) -> Any:
    """After the test: the media folder and the key are as they were, no temporary folder left."""
    settings.MEDIA_ROOT.mkdir(parents=True)
    (settings.MEDIA_ROOT / "kept.txt").write_bytes(b"kept")
    yield
    assert files_under(settings.MEDIA_ROOT) == {"kept.txt": b"kept"}
    assert (settings.VAR_DIR / "secret_key").read_text() == KEY
    assert sorted(p.name for p in settings.MEDIA_ROOT.parent.iterdir()) == ["media", "var"]


def test_a_changed_file_is_refused_before_anything_is_touched(
    db: Any, tmp_path: Path, untouched: Any
) -> None:
    file = make_archive(tmp_path, **{"media__a.txt": b"an attachment!"})
    assert refused(file, "--force") == (
        f"{file} is damaged or is not a SecondLine backup: media/a.txt does not match its checksum."
    )


def test_a_truncated_or_foreign_archive_is_refused(db: Any, tmp_path: Path, untouched: Any) -> None:
    whole = make_archive(tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole.read_bytes()[:200])
    assert "is damaged or is not a SecondLine backup" in refused(cut, "--force")
    with tarfile.open(foreign := tmp_path / "foreign.tar.gz", "w:gz") as tar:
        tar.add(ROOT / "README.md", arcname="README.md")
    assert refused(foreign).endswith(
        "is damaged or is not a SecondLine backup: it has no manifest.json."
    )
    unlisted = make_archive(tmp_path, **{"media__extra.txt": b"smuggled"})
    assert refused(unlisted).endswith("media/extra.txt is not in its manifest.")


def test_another_vendors_archive_is_refused(db: Any, tmp_path: Path, untouched: Any) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    message = refused(make_archive(tmp_path, vendor=other), "--force")
    assert message.startswith(
        f"backup.tar.gz holds a {'PostgreSQL' if other == 'postgresql' else 'SQLite'} database"
    )


def test_a_database_in_use_is_refused_without_force(
    personas: Any, tmp_path: Path, untouched: Any
) -> None:
    assert refused(make_archive(tmp_path)) == (
        "The database already holds people, organisations or tickets; restoring would replace "
        "them. Restore into an empty database, or add --force."
    )


def test_a_refusal_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "secondline.cli", "restore", str(tmp_path / "missing.tar.gz")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "SECONDLINE_VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 1
    assert result.stderr == f"CommandError: {tmp_path / 'missing.tar.gz'} does not exist.\n"
