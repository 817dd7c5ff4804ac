"""`secondline backup` and `secondline restore` with attachments in object storage
(STORAGE_BUCKET, django-storages) on a real S3-compatible server (moto_server on 127.0.0.1):
the bucket's files go into the archive and come back, byte for byte, into an empty bucket."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from secondline.backups import objects
from tests.backups.rows import table_rows
from tests.backups.test_backup_restore import populate, restore_in_a_new_process
from tests.services.scale_out import bucket_storages, s3_server


def s3(env: dict[str, str]) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=env["STORAGE_URL"],
        aws_access_key_id=env["STORAGE_ACCESS_KEY"],
        aws_secret_access_key=env["STORAGE_SECRET_KEY"],
        region_name=env["STORAGE_REGION"],
    )


def bucket_files(env: dict[str, str]) -> dict[str, bytes]:
    client = s3(env)
    listing = client.list_objects_v2(Bucket=env["STORAGE_BUCKET"]).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=env["STORAGE_BUCKET"], Key=item["Key"])["Body"].read()
        for item in listing
    }


def use_bucket(settings: Any, env: dict[str, str]) -> None:
    settings.STORAGES = bucket_storages(settings.STORAGES, env)


def round_trip_through_buckets(folders: Path, personas: Any, settings: Any, url: str) -> None:
    with s3_server() as source:
        use_bucket(settings, source)
        assert objects.remote_storage() is not None
        populate(personas)
        file = folders / "backup.tar.gz"
        call_command("backup", str(file))
        expected = table_rows()
        in_bucket = bucket_files(source)
        assert len(in_bucket) == 6 == len(expected["tickets_attachment"])
        assert {row["file"] for row in expected["tickets_attachment"]} == in_bucket.keys()
        assert not (folders / "source" / "media").exists()  # nothing went to MEDIA_ROOT
        with tarfile.open(file) as tar:
            manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert manifest["storage"] == "bucket"
        media = {f["path"] for f in manifest["files"] if f["path"].startswith("media/")}
        assert media == {f"media/{name}" for name in in_bucket}

        empty = {**source, "STORAGE_BUCKET": source["STORAGE_BUCKET"] + "-restored"}
        s3(empty).create_bucket(Bucket=empty["STORAGE_BUCKET"])
        target = folders / "target"
        result, restored = restore_in_a_new_process(file, target, url, storage=empty)

        assert result.returncode == 0, result.stderr
        assert "Restored" in result.stdout and not result.stderr
        assert restored == expected
        assert bucket_files(empty) == in_bucket  # same keys, byte-identical
        assert not (target / "media").exists()

        # Over a bucket in use (--force): the archive's files, and only they, are left.
        s3(empty).put_object(Bucket=empty["STORAGE_BUCKET"], Key="stray/file.txt", Body=b"x")
        first = sorted(in_bucket)[0]
        s3(empty).put_object(Bucket=empty["STORAGE_BUCKET"], Key=first, Body=b"changed")
        forced, again = restore_in_a_new_process(file, target, url, "--force", storage=empty)
        assert forced.returncode == 0, forced.stderr
        assert again == expected
        assert bucket_files(empty) == in_bucket


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bucket_is_backed_up_and_restored_byte_for_byte_on_sqlite(
    folders: Path,
    personas: Any,
    settings: Any,
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL: see the PostgreSQL test")
    round_trip_through_buckets(
        folders, personas, settings, f"sqlite:///{folders / 'restored.sqlite3'}"
    )


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bucket_is_backed_up_and_restored_byte_for_byte_on_postgresql(
    folders: Path,
    personas: Any,
    settings: Any,
    second_postgresql_database: str,
) -> None:
    round_trip_through_buckets(folders, personas, settings, second_postgresql_database)


def test_files_unpacked_from_any_archive_replace_the_buckets(tmp_path: Path, settings: Any) -> None:
    """What restore does with an archive's media/ folder, whichever storage wrote it (a backup
    of MEDIA_ROOT restores into a bucket): same names, same bytes, nothing else left."""
    unpacked = tmp_path / "media"
    (unpacked / "tickets" / "1").mkdir(parents=True)
    (unpacked / "tickets" / "1" / "дамп.bin").write_bytes(bytes(range(256)))
    (unpacked / "top.txt").write_bytes(b"")
    with s3_server() as env:
        use_bucket(settings, env)
        s3(env).put_object(Bucket=env["STORAGE_BUCKET"], Key="tickets/2/old.log", Body=b"old")
        storage = objects.remote_storage()
        assert storage is not None
        objects.replace_all(storage, unpacked)
        assert bucket_files(env) == {"tickets/1/дамп.bin": bytes(range(256)), "top.txt": b""}
        assert list(objects.names(storage)) == ["top.txt", "tickets/1/дамп.bin"]
