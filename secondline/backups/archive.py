"""The archive: one ``.tar.gz`` whose manifest lists every other member with its SHA-256.

    database.sqlite3   SQLite: a copy made by the online backup API, or
    database.pgdump    PostgreSQL: ``pg_dump --format=custom``
    media/...          the attachments: the files under MEDIA_ROOT, same relative paths, or
                       those in the bucket (STORAGE_BUCKET, objects.py), same names
    secret_key         VAR_DIR/secret_key, when the key was generated there
    manifest.json      format, version, time, database vendor, rows per table, the files above

The manifest is written last, from the bytes actually packed, so a file that changes while
it is read cannot disagree with its checksum. Reading extracts everything into a folder and
checks it against the manifest before anyone uses a byte of it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import time
import zlib
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import IO, Any, cast

from secondline.common.files import written_whole

FORMAT = 1
MANIFEST = "manifest.json"
APPLICATION = "secondline"


class BackupError(Exception):
    """A refusal or a failure, told to the operator in one line."""


class _Hashing:
    """Reads a file for tarfile, counting and hashing exactly the bytes that go in."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    return info


def write(
    target: Path,
    members: dict[str, Path],
    manifest: dict[str, Any],
    may_vanish: Collection[str] = (),
    vanished: Iterable[str] = (),
) -> dict[str, Any]:
    """Pack ``members`` (name in the archive -> file) and the manifest into ``target``.

    The archive is written to a private temporary file (mode 0600: it holds every ticket and
    the secret key) beside ``target`` and renamed over it when complete, so a failed backup
    never leaves a half-written archive under the expected name. A member named in
    ``may_vanish`` (an attachment) that is gone by the time it is read is left out; the
    manifest's ``vanished`` lists those and the ``vanished`` already left out before.
    Returns the full manifest.
    """
    files = []
    gone = list(vanished)
    with written_whole(target) as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for name, path in sorted(members.items()):
            try:
                file = path.open("rb")
            except FileNotFoundError:
                if name not in may_vanish:
                    raise
                gone.append(name)  # deleted since it was listed: an orphan swept, say
                continue
            with file:
                reader = _Hashing(file)
                size = os.fstat(file.fileno()).st_size
                tar.addfile(_info(name, size), cast(IO[bytes], reader))
                if reader.size != size:  # tarfile has raised already, but be sure
                    raise BackupError(f"{path} changed size while it was read.")
            files.append({"path": name, "size": size, "sha256": reader.digest.hexdigest()})
        manifest = {**manifest, "files": files, "vanished": sorted(gone)}
        text = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
        tar.addfile(_info(MANIFEST, len(text)), io.BytesIO(text))
    return manifest


def unpack(archive: Path, folder: Path) -> dict[str, Any]:
    """Extract ``archive`` into ``folder`` and check every file against the manifest.

    Only plain files with safe relative names are accepted (tarfile's ``data`` filter); a
    missing, extra, resized or altered file refuses the whole archive. Returns the manifest.
    """
    damaged = f"{archive} is damaged or is not a SecondLine backup"
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            odd = next((m.name for m in members if not m.isfile()), None)
            if odd is not None:
                raise BackupError(f"{damaged}: {odd!r} is not a plain file.")
            names = [m.name for m in members]
            if len(set(names)) != len(names):
                raise BackupError(f"{damaged}: it holds a file twice.")
            tar.extractall(folder, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(f"{damaged} ({exc}).") from None
    manifest = _read_manifest(folder / MANIFEST, damaged)
    listed = {entry["path"]: entry for entry in manifest["files"]}
    if unlisted := sorted(set(names) - {MANIFEST} - set(listed)):
        raise BackupError(f"{damaged}: {unlisted[0]} is not in its manifest.")
    if missing := sorted(set(listed) - set(names)):
        raise BackupError(f"{damaged}: {missing[0]} is missing.")
    for name, entry in sorted(listed.items()):
        path = folder / name
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"{damaged}: {name} does not match its checksum.")
    return manifest


def _read_manifest(path: Path, damaged: str) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{damaged}: it has no {MANIFEST}.") from None
    except ValueError as exc:
        raise BackupError(f"{damaged}: its {MANIFEST} is not readable ({exc}).") from None
    if not isinstance(manifest, dict) or manifest.get("application") != APPLICATION:
        raise BackupError(f"{damaged}: its {MANIFEST} is not SecondLine's.")
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"The archive's format {manifest.get('format')!r} is not the one this version reads "
            f"({FORMAT}); restore it with the SecondLine version that made it."
        )
    if not isinstance(manifest.get("database"), dict) or "vendor" not in manifest["database"]:
        raise BackupError(f"{damaged}: its {MANIFEST} names no database.")
    tables = manifest.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(rows, int) and not isinstance(rows, bool) for rows in tables.values()
    ):
        raise BackupError(f"{damaged}: its {MANIFEST} has no proper row counts.")
    files = manifest.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and {"path", "size", "sha256"} <= f.keys() for f in files
    ):
        raise BackupError(f"{damaged}: its {MANIFEST} has no proper file list.")
    return manifest


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
