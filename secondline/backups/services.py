"""The two verbs: ``back_up`` writes one archive, ``restore`` puts one back (docs/production.md)."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import stat
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from secondline.backups import archive, database, objects
from secondline.backups.archive import BackupError

MEDIA = "media"
SECRET_KEY = "secret_key"


def _version() -> str:
    try:
        return importlib.metadata.version("secondline")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _key_file() -> Path:
    return Path(settings.VAR_DIR) / SECRET_KEY  # where settings/core.py generates the key


def back_up(target: Path, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write the database, the attachments and the generated secret key to ``target``.

    The database dump goes to a private folder beside ``target`` first (so it needs that much
    free space there); the attachments are read straight from MEDIA_ROOT, or, with object
    storage (STORAGE_BUCKET), copied from the bucket into that folder after the dump, so every
    attachment the dump names is there. Returns the manifest.
    """
    target = target.absolute()
    _refuse_to_replace(target)
    vendor = connections[alias].vendor
    dump_name = database.dump_name(vendor)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".secondline-backup-") as work:
        dump_file = Path(work) / dump_name
        counts = database.dump(alias, dump_file)
        bucket = objects.remote_storage()
        if bucket is None:
            files = _media_files()
        else:
            files = objects.download(bucket, Path(work) / MEDIA, MEDIA)
        members = {dump_name: dump_file, **files}
        if _key_file().is_file():
            members[SECRET_KEY] = _key_file()
        manifest = {
            "application": archive.APPLICATION,
            "format": archive.FORMAT,
            "version": _version(),
            "created_at": timezone.now().isoformat(),
            "database": {"vendor": vendor, "file": dump_name},
            "storage": "folder" if bucket is None else "bucket",
            "tables": counts,
        }
        return archive.write(target, members, manifest)


def _refuse_to_replace(target: Path) -> None:
    """Refuse a ``target`` that is there and is not a regular file, before any work is done.

    The finished archive is renamed over ``target`` (archive.write), which would silently put a
    file where a device, a named pipe or a socket was. A symbolic link is refused even when it
    points at a regular file: replacing the link itself would surprise whoever made it, and
    following it, as ``cp`` does, would overwrite whatever it points at (an older backup, or,
    in a folder others may write to, any file this user may write). Refusing loses nothing;
    the operator names the file itself, or a new one.
    """
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} does not exist.")
    try:
        mode = target.lstat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise BackupError(
            f"{target} is a folder; give the archive's file name, e.g. backup.tar.gz."
        )
    if stat.S_ISLNK(mode):
        raise BackupError(
            f"{target} is a symbolic link; give the path of the file itself, or a new name "
            "(backup never writes through a link)."
        )
    kind = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket"}.get(
        stat.S_IFMT(mode), "a device"
    )
    raise BackupError(f"{target} is {kind}, not a file; give the archive's file name.")


def _media_files() -> dict[str, Path]:
    """Every regular file under MEDIA_ROOT (symbolic links are not followed: they may point
    anywhere on the machine)."""
    root = Path(settings.MEDIA_ROOT)
    files = {}
    for folder, _subfolders, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                files[f"{MEDIA}/{path.relative_to(root).as_posix()}"] = path
    return files


def _not_an_archive(source: Path) -> str:
    if not source.exists():
        return f"{source} does not exist."
    return f"{source} is not a file: give the archive `secondline backup` wrote (a .tar.gz file)."


def restore(source: Path, *, force: bool = False, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Replace the database, the attachments and the generated secret key with the archive's.

    Nothing is touched until the whole archive has been extracted into a temporary folder and
    every file matches the manifest, the archive's database vendor is this installation's, the
    database is empty (or ``force``), and the dump holds the tables and rows the manifest lists
    (last: it reads the whole dump). The database is loaded all or nothing; the files
    are then moved into MEDIA_ROOT by renaming (the temporary folder sits beside MEDIA_ROOT for
    that), or, with object storage, uploaded to the bucket, which then holds exactly them.
    """
    source = source.absolute()
    if not source.is_file():
        raise BackupError(_not_an_archive(source))
    media_root = Path(settings.MEDIA_ROOT).absolute()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".secondline-restore-") as work:
        folder = Path(work) / "archive"
        folder.mkdir()
        manifest = archive.unpack(source, folder)
        vendor, here = manifest["database"]["vendor"], connections[alias].vendor
        if vendor != here:
            theirs, ours = (database.VENDOR_NAMES.get(v, v) for v in (vendor, here))
            raise BackupError(
                f"{source.name} holds a {theirs} database and this SecondLine runs on {ours}: "
                f"restore it where DATABASE_URL points at {theirs}."
            )
        dump_file = folder / database.dump_name(vendor)
        if manifest["database"].get("file") != dump_file.name or not dump_file.is_file():
            raise BackupError(f"{source.name} has no database dump.")
        if not force and database.is_in_use(alias):
            raise BackupError(
                "The database already holds people, organisations or tickets; restoring would "
                "replace them. Restore into an empty database, or add --force."
            )
        bucket = objects.remote_storage()
        if bucket is None and os.path.ismount(media_root):  # no renaming in after the database
            raise BackupError(
                f"MEDIA_ROOT ({media_root}) is a mount point; point it at a folder inside one."
            )
        _refuse_a_dump_unlike_its_manifest(source, dump_file, manifest["tables"], alias)
        database.load(alias, dump_file)
        if bucket is None:
            _swap_folder(folder / MEDIA, media_root, Path(work) / "replaced-media")
        else:
            (folder / MEDIA).mkdir(exist_ok=True)
            objects.replace_all(bucket, folder / MEDIA)
        if (folder / SECRET_KEY).is_file():
            _put_key(folder / SECRET_KEY)
    return manifest


def _refuse_a_dump_unlike_its_manifest(
    source: Path, dump_file: Path, tables: dict[str, int], alias: str
) -> None:
    """The checksums prove the dump is the file that was packed, not that it is the database
    the manifest counted: an empty one packed by mistake would empty the live database."""
    if mismatches := database.dump_mismatches(alias, dump_file, tables):
        more = f" (and {len(mismatches) - 1} more tables)" if len(mismatches) > 1 else ""
        raise BackupError(
            f"{source.name}'s database dump does not match its manifest: {mismatches[0]}{more}."
        )


def _swap_folder(new: Path, place: Path, old: Path) -> None:
    """Put ``new`` at ``place`` by renaming; what was there goes to ``old`` (deleted later)."""
    new.mkdir(exist_ok=True)
    if place.exists():
        place.rename(old)
    try:
        new.rename(place)
    except OSError:
        if old.exists():
            old.rename(place)
        raise


def _put_key(restored: Path) -> None:
    key_file = _key_file()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=key_file.parent, prefix=".secret_key-")
    try:
        with os.fdopen(descriptor, "wb") as file, restored.open("rb") as source:
            shutil.copyfileobj(source, file)  # mkstemp made it 0600, like environment.py does
        os.replace(temporary, key_file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
