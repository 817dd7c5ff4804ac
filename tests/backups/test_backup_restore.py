"""`secondline backup` and `secondline restore`: a populated database comes back row for row
and every attachment byte for byte; a damaged archive, another vendor's archive, a dump unlike
its manifest and a database in use are refused before anything is touched, and so is a backup
target that is not a regular file."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import stat
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

from secondline.backups import archive, database
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


def make_archive(
    folder: Path,
    vendor: str | None = None,
    dump: bytes = b"not really a database",
    tables: dict[str, int] | None = None,
    **changes: bytes,
) -> Path:
    """A small archive of this vendor's kind, whose manifest counts ``tables`` (rows per table);
    ``changes`` alter members after the manifest."""
    vendor = vendor or connection.vendor
    (folder / "dump").write_bytes(dump)
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
        "tables": tables or {},
    }
    file = folder / "backup.tar.gz"
    members = {manifest["database"]["file"]: folder / "dump", "media/a.txt": media}
    archive.write(file, members, manifest)
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


def secondline(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The console command run as an operator runs it, with its own data folder."""
    return subprocess.run(
        [sys.executable, "-m", "secondline.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        env={**os.environ, "SECONDLINE_VAR_DIR": str(tmp_path / "var")},
    )


def test_a_refusal_is_one_line_and_a_non_zero_exit(tmp_path: Path) -> None:
    result = secondline(tmp_path, "restore", str(tmp_path / "missing.tar.gz"))
    assert result.returncode == 1
    assert result.stderr == f"CommandError: {tmp_path / 'missing.tar.gz'} does not exist.\n"


def test_a_folder_is_refused_as_not_an_archive(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="is not a file: give the archive `secondline backup`"):
        call_command("restore", str(tmp_path))


# A dump unlike its manifest: checksummed and intact, but not the database the manifest counted.


def refused_and_nothing_lost(file: Path) -> str:
    """Restore ``file`` with --force over a database in use; its refusal, once the rows are
    proven to be all there still and the exit code to be 1."""
    before = table_rows()
    assert before["accounts_user"] and before["accounts_organization"]  # the personas
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(file), "--force")
    assert refusal.value.returncode == 1  # what `secondline restore` exits with
    assert table_rows() == before
    return str(refusal.value)


def sqlite_dump(path: Path, tables: dict[str, int]) -> bytes:
    """A SQLite database holding ``tables`` with that many rows each."""
    with contextlib.closing(sqlite3.connect(path)) as dump, dump:
        for table, rows in tables.items():
            dump.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
            dump.executemany(f"INSERT INTO {table} VALUES (?)", [(n,) for n in range(rows)])
    return path.read_bytes()


def test_an_empty_sqlite_dump_is_refused_and_the_database_kept(
    personas: Any, tmp_path: Path, untouched: Any
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite dump: see the PostgreSQL test")
    tables = database.row_counts("default")
    file = make_archive(tmp_path, dump=b"", tables=tables)  # b"": a valid, empty SQLite file
    assert refused_and_nothing_lost(file) == (
        f"backup.tar.gz's database dump does not match its manifest: {min(tables)} is missing "
        f"(and {len(tables) - 1} more tables)."
    )


@pytest.mark.parametrize(
    ("in_dump", "counted", "message"),
    [
        (
            {"tickets_ticket": 2, "accounts_user": 1},
            {"tickets_ticket": 3, "accounts_user": 1},
            "backup.tar.gz's database dump does not match its manifest: "
            "tickets_ticket has 2 rows, the manifest counted 3.",
        ),
        (
            {"tickets_ticket": 3},
            {"tickets_ticket": 3, "accounts_user": 1},
            "backup.tar.gz's database dump does not match its manifest: accounts_user is missing.",
        ),
        (
            None,  # not a database at all
            {},
            "The archive's database dump is not a SQLite database (file is not a database).",
        ),
    ],
    ids=["rows short", "table missing", "not a database"],
)
def test_a_sqlite_dump_unlike_its_manifest_is_refused(
    personas: Any,
    tmp_path: Path,
    untouched: Any,
    in_dump: dict[str, int] | None,
    counted: dict[str, int],
    message: str,
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite dump: see the PostgreSQL test")
    dump = b"not really a database" if in_dump is None else sqlite_dump(tmp_path / "made", in_dump)
    assert refused_and_nothing_lost(make_archive(tmp_path, dump=dump, tables=counted)) == message


@pytest.mark.services
def test_an_empty_postgresql_dump_is_refused_and_the_database_kept(
    personas: Any, tmp_path: Path, untouched: Any, second_postgresql_database: str
) -> None:
    empty = tmp_path / "empty.pgdump"
    subprocess.run(
        ["pg_dump", "--format=custom", "--file", str(empty), second_postgresql_database],
        check=True,
        timeout=60,
    )
    tables = database.row_counts("default")
    file = make_archive(tmp_path, dump=empty.read_bytes(), tables=tables)
    assert refused_and_nothing_lost(file) == (
        f"backup.tar.gz's database dump does not match its manifest: {min(tables)} is missing "
        f"(and {len(tables) - 1} more tables)."
    )


# Backup targets that are not a regular file: the finished archive is renamed over its target.


def test_a_named_pipe_is_refused_as_a_backup_target_and_left_alone(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    result = secondline(tmp_path, "backup", str(pipe))
    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: {pipe} is a named pipe, not a file; give the archive's file name.\n"
    )
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name != "var"] == ["pipe"]


@pytest.mark.parametrize("points_at", ["old.tar.gz", "nowhere.tar.gz"])
def test_a_symbolic_link_is_refused_as_a_backup_target_and_left_alone(
    tmp_path: Path, points_at: str
) -> None:
    (tmp_path / "old.tar.gz").write_bytes(b"yesterday's backup")
    link = tmp_path / "latest.tar.gz"
    link.symlink_to(points_at)
    with pytest.raises(CommandError) as refusal:
        call_command("backup", str(link))
    assert str(refusal.value) == (
        f"{link} is a symbolic link; give the path of the file itself, or a new name "
        "(backup never writes through a link)."
    )
    assert refusal.value.returncode == 1
    assert os.readlink(link) == points_at
    assert (tmp_path / "old.tar.gz").read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest.tar.gz", "old.tar.gz"]
