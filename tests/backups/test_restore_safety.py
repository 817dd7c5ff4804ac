"""What a restore must not do: replace the live attachments during a test restore, run under a
running SecondLine, load a newer release's schema, or leave the mailbox secrets unreadable
without a word; what it must do: bring an older release's PostgreSQL archive into a migrated
database, and ignore the old server's roles. And a backup survives a file deleted meanwhile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from secondline.backups import objects
from secondline.mail.models import Mailbox
from secondline.scheduler import take_scheduler_lock
from tests.backups.conftest import KEY
from tests.backups.test_backup_restore import (
    files_under,
    make_archive,
    populate,
    restore_in_a_new_process,
)
from tests.backups.test_backup_restore_bucket import bucket_files, s3, use_bucket
from tests.services.scale_out import s3_server

ROOT = Path(__file__).resolve().parents[2]


def sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("restores into a SQLite file")


def manifest_of(file: Path) -> dict[str, Any]:
    with tarfile.open(file) as tar:
        return json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]


# A test restore (docs/production.md, "Test your backups") next to live attachments.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restore_into_an_empty_database_keeps_a_media_root_holding_files(
    folders: Path, personas: Any
) -> None:
    sqlite_only()
    populate(personas)
    file = folders / "backup.tar.gz"
    call_command("backup", str(file))
    live = folders / "live"
    (live / "media" / "attachments" / "1").mkdir(parents=True)
    (live / "media" / "attachments" / "1" / "after-backup.pdf").write_bytes(b"new")
    url = f"sqlite:///{folders / 'check.sqlite3'}"

    result, _rows = restore_in_a_new_process(file, live, url)

    assert result.returncode == 1
    assert result.stderr == (
        f"CommandError: MEDIA_ROOT ({live / 'media'}) already holds files; restoring would "
        "replace them with the archive's. To test a backup, point STORAGE_BUCKET or MEDIA_ROOT "
        "at a scratch place too; to replace them, add --force.\n"
    )
    assert files_under(live / "media") == {"attachments/1/after-backup.pdf": b"new"}
    forced, _rows = restore_in_a_new_process(file, live, url, "--force")
    assert forced.returncode == 0, forced.stderr
    assert files_under(live / "media") == files_under(folders / "source" / "media")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restore_into_an_empty_database_keeps_a_bucket_holding_files(
    folders: Path, personas: Any, settings: Any
) -> None:
    sqlite_only()
    with s3_server() as live:
        use_bucket(settings, live)
        populate(personas)
        file = folders / "backup.tar.gz"
        call_command("backup", str(file))
        key = "attachments/1/after-backup.pdf"
        s3(live).put_object(Bucket=live["STORAGE_BUCKET"], Key=key, Body=b"new")
        before = bucket_files(live)
        check = folders / "check"

        result, _rows = restore_in_a_new_process(
            file, check, f"sqlite:///{check}/check.sqlite3", storage=live
        )

        assert result.returncode == 1
        assert result.stderr.startswith(
            f"CommandError: The bucket {live['STORAGE_BUCKET']} (STORAGE_BUCKET) already holds "
            "files; restoring would replace them"
        )
        assert bucket_files(live) == before


# SecondLine running on the data folder (its scheduler's lock), or anywhere with REDIS_URL.


def test_a_restore_is_refused_while_the_scheduler_holds_the_data_folder(
    db: Any, folders: Path, settings: Any
) -> None:
    file = make_archive(folders)
    lock = take_scheduler_lock(settings.VAR_DIR)
    try:
        with pytest.raises(CommandError) as refusal:
            call_command("restore", str(file), "--force")
    finally:
        lock.close()
    assert str(refusal.value) == (
        f"SecondLine is running on {settings.VAR_DIR} (its scheduler holds scheduler.lock); "
        "stop SecondLine (`secondline run`, the worker and the web server) first."
    )


def test_a_restore_is_refused_when_redis_cannot_say_whether_secondline_runs(
    db: Any, folders: Path, settings: Any
) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(make_archive(folders)), "--force")
    assert str(refusal.value).startswith("Cannot check with Redis (REDIS_URL) whether SecondLine")


# Schemas: a newer release's archive is refused.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_newer_releases_archive_is_refused_naming_the_migration(
    folders: Path, personas: Any
) -> None:
    sqlite_only()
    populate(personas)
    with connection.cursor() as cursor:  # what the next release's upgrade would leave
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('tickets', '9999_next_release', CURRENT_TIMESTAMP)"
        )
    file = folders / "backup.tar.gz"
    try:
        call_command("backup", str(file))
    finally:  # flush leaves django_migrations alone: the next tests' backups would carry it
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations WHERE name = '9999_next_release'")
    target = folders / "target"

    result, rows = restore_in_a_new_process(file, target, f"sqlite:///{target}/db.sqlite3")

    assert result.returncode == 1
    assert "comes from a newer SecondLine" in result.stderr
    assert "(tickets.9999_next_release). Restore it with that version or a later one." in (
        result.stderr
    )
    assert not rows.get("tickets_ticket")  # nothing loaded


# The secret key: the one in force is packed, and a restore says when secrets are unreadable.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_does_not_pack_a_key_file_that_is_not_in_force(
    folders: Path, settings: Any, capsys: Any
) -> None:
    settings.SECRET_KEY = "e" * 60  # from the environment: the generated file is a leftover
    file = folders / "backup.tar.gz"
    call_command("backup", str(file))
    assert "secret_key" not in {f["path"] for f in manifest_of(file)["files"]}
    assert "The secret key is not in the archive" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_restore_says_when_the_mailbox_secrets_cannot_be_decrypted(folders: Path) -> None:
    sqlite_only()
    Mailbox.objects.create(name="support", host="imap.example.com", username="s", password="pw")
    file = folders / "backup.tar.gz"
    call_command("backup", str(file))
    target = folders / "target"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "MEDIA_ROOT"} and not key.startswith("STORAGE_")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{target}/db.sqlite3",
        SECONDLINE_VAR_DIR=str(target / "var"),
        MEDIA_ROOT=str(target / "media"),
        SECRET_KEY="p" * 60,  # production's key, from the environment
    )
    command = [sys.executable, "-m", "secondline.cli", "restore", str(file)]

    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)

    assert result.returncode == 0, result.stderr
    assert "Note: 1 mailbox secrets" in result.stderr
    assert "SECRET_KEY_FALLBACKS" in result.stderr and "MAIL_ENCRYPTION_KEYS" in result.stderr
    assert (target / "var" / "secret_key").read_text() == KEY  # where the note points

    env["SECRET_KEY_FALLBACKS"] = KEY  # as the note says
    again = subprocess.run(
        [*command, "--force"], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert again.returncode == 0 and not again.stderr, again.stderr


# A file deleted between the listing and its reading.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bucket_file_deleted_while_the_backup_runs_is_skipped_and_counted(
    folders: Path, personas: Any, settings: Any, monkeypatch: Any, capsys: Any
) -> None:
    with s3_server() as live:
        use_bucket(settings, live)
        populate(personas)
        listed = objects.names

        def listed_then_deleted(storage: Any, folder: str = "") -> Any:
            yield from listed(storage, folder)
            if not folder:
                yield "attachments/999/uncommitted.bin"  # listed, then swept

        monkeypatch.setattr(objects, "names", listed_then_deleted)
        file = folders / "backup.tar.gz"
        call_command("backup", str(file))

    assert manifest_of(file)["vanished"] == ["media/attachments/999/uncommitted.bin"]
    assert "and 8 files (1 deleted while the backup ran, skipped) to" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_media_file_deleted_while_the_backup_runs_is_skipped_and_counted(
    folders: Path, personas: Any, monkeypatch: Any, capsys: Any
) -> None:
    from secondline.backups import services

    populate(personas)
    orphan = folders / "source" / "media" / "attachments" / "999" / "uncommitted.bin"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    listed = services._media_files

    def listed_then_deleted() -> dict[str, Path]:
        files = listed()
        orphan.unlink()
        return files

    monkeypatch.setattr(services, "_media_files", listed_then_deleted)
    file = folders / "backup.tar.gz"
    call_command("backup", str(file))

    manifest = manifest_of(file)
    assert manifest["vanished"] == ["media/attachments/999/uncommitted.bin"]
    assert len([f for f in manifest["files"] if f["path"].startswith("media/")]) == 6
    assert "(1 deleted while the backup ran, skipped)" in capsys.readouterr().out


# PostgreSQL: an older release's archive, and the old server's roles.


def secondline(url: str, place: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "MEDIA_ROOT"}
        and not key.startswith("STORAGE_")
    }
    env.update(
        DATABASE_URL=url, SECONDLINE_VAR_DIR=str(place / "var"), MEDIA_ROOT=str(place / "media")
    )
    return subprocess.run(
        [sys.executable, "-m", "secondline.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def psql(url: str, sql: str) -> str:
    result = subprocess.run(
        ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.fixture
def third_postgresql_database(second_postgresql_database: str) -> Any:
    url = second_postgresql_database + "_new"
    name = url.rsplit("/", 1)[1]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield url
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.services
def test_an_older_releases_postgresql_archive_restores_into_a_migrated_database(
    db: Any, tmp_path: Path, second_postgresql_database: str, third_postgresql_database: str
) -> None:
    old, new = second_postgresql_database, third_postgresql_database
    assert secondline(old, tmp_path / "old", "migrate", "-v0").returncode == 0
    # the previous release: privacy's migrations not there yet
    assert secondline(old, tmp_path / "old", "migrate", "privacy", "zero", "-v0").returncode == 0
    assert secondline(old, tmp_path / "old", "demo").returncode == 0
    tickets = psql(old, "SELECT count(*) FROM tickets_ticket")
    file = tmp_path / "previous-release.tar.gz"
    assert secondline(old, tmp_path / "old", "backup", str(file)).returncode == 0
    # the current release installed on the new server: `secondline run` migrates on start
    assert secondline(new, tmp_path / "new", "migrate", "-v0").returncode == 0

    result = secondline(new, tmp_path / "new", "restore", str(file))

    assert result.returncode == 0, result.stderr
    assert "lacked 1 migration of this version" in result.stderr
    assert psql(new, "SELECT count(*) FROM tickets_ticket") == tickets
    assert psql(new, "SELECT count(*) FROM django_migrations WHERE app = 'privacy'") != "0\n"
    # rolling back a failed upgrade: --force over the migrated database in use
    forced = secondline(new, tmp_path / "new", "restore", str(file), "--force")
    assert forced.returncode == 0, forced.stderr
    assert psql(new, "SELECT count(*) FROM tickets_ticket") == tickets


@pytest.mark.services
def test_a_postgresql_archive_granting_to_a_role_restores_where_the_role_is_missing(
    db: Any, tmp_path: Path, second_postgresql_database: str, third_postgresql_database: str
) -> None:
    old, new = second_postgresql_database, third_postgresql_database
    role = old.rsplit("/", 1)[1] + "_reporting"
    assert secondline(old, tmp_path / "old", "migrate", "-v0").returncode == 0
    psql(old, f'DROP ROLE IF EXISTS "{role}"; CREATE ROLE "{role}"')
    try:
        psql(old, f'GRANT SELECT ON tickets_ticket TO "{role}"')  # a reporting tool's access
        file = tmp_path / "backup.tar.gz"
        assert secondline(old, tmp_path / "old", "backup", str(file)).returncode == 0
    finally:
        psql(old, f'DROP OWNED BY "{role}"; DROP ROLE "{role}"')  # the new server has none

    result = secondline(new, tmp_path / "new", "restore", str(file))

    assert result.returncode == 0, result.stderr
    assert "tickets_ticket" in psql(new, "SELECT tablename FROM pg_tables")
