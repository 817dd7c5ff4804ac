"""Attachments in object storage (STORAGE_BUCKET, django-storages), backed up and restored
through Django's storage API, so the archive's ``media/...`` members are the same whichever
storage wrote them: a backup of a bucket restores into MEDIA_ROOT and the other way round.

Only storages that are not a folder on this machine come here; services.py copies and renames
MEDIA_ROOT itself, which keeps a local restore all or nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

from secondline.backups.archive import BackupError


def remote_storage() -> Storage | None:
    """The default storage when it is not a folder on this machine (an S3 bucket), else None."""
    storage = storages["default"]
    return None if isinstance(storage, FileSystemStorage) else storage


def names(storage: Storage, folder: str = "") -> Iterator[str]:
    """Every file's name in ``storage`` under ``folder``, with ``/`` between the parts
    (an S3 "folder" is a common prefix of the keys: listdir lists them like folders)."""
    subfolders, files = storage.listdir(folder)
    prefix = f"{folder}/" if folder else ""
    for name in sorted(files):
        yield prefix + name
    for subfolder in sorted(subfolders):
        yield from names(storage, prefix + subfolder)


def download(
    storage: Storage, folder: Path, member_prefix: str, vanished: list[str]
) -> dict[str, Path]:
    """Copy every file of ``storage`` into ``folder`` (same relative names); returns the
    archive members (``member_prefix/name`` -> the copy). A file deleted between the listing
    and its copying (an orphan swept) is skipped and its member name added to ``vanished``."""
    members = {}
    for name in names(storage):
        copy = folder / name
        if folder.resolve() not in copy.resolve().parents:  # a key like "../x": never outside
            raise BackupError(f"The storage holds a file whose name is not safe: {name!r}.")
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            source = storage.open(name, "rb")
        except FileNotFoundError:
            vanished.append(f"{member_prefix}/{name}")
            continue
        with source, copy.open("wb") as target:
            shutil.copyfileobj(source, target)
        members[f"{member_prefix}/{name}"] = copy
    return members


def replace_all(storage: Storage, folder: Path) -> None:
    """Make ``storage`` hold exactly the files under ``folder``: each is written under its
    relative name (replacing a file of that name), and files the archive does not hold (they
    belonged to the database just replaced) are deleted afterwards."""
    wanted = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        wanted.add(name)
        if storage.exists(name):
            storage.delete(name)
        with path.open("rb") as file:
            saved = storage.save(name, File(file, name=name))
        if saved != name:  # the storage chose another name: the database would not find it
            raise BackupError(f"The storage stored {name} as {saved}.")
    for name in list(names(storage)):
        if name not in wanted:
            storage.delete(name)
