"""The two verbs: ``back_up`` writes one archive, ``restore`` puts one back (docs/production.md)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.files.storage import Storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from secondline import scheduler
from secondline.backups import archive, database, objects
from secondline.backups.archive import BackupError
from secondline.mail import crypto, secrets
from secondline.mail.models import Mailbox

MEDIA = "media"
SECRET_KEY = "secret_key"


def _version() -> str:
    try:
        return importlib.metadata.version("secondline")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _key_file() -> Path:
    return Path(settings.VAR_DIR) / SECRET_KEY  # where settings/core.py generates the key


def _generated_key_in_force() -> bool:
    """Is the key in force the one generated into VAR_DIR (not SECRET_KEY from the
    environment, which settings/core.py prefers)?"""
    try:
        return _key_file().read_text().strip() == settings.SECRET_KEY
    except FileNotFoundError:
        return False


def back_up(target: Path, alias: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """Write the database, the attachments and the generated secret key to ``target``.

    The database dump goes to a private folder beside ``target`` first (so it needs that much
    free space there); the attachments are read straight from MEDIA_ROOT, or, with object
    storage (STORAGE_BUCKET), copied from the bucket into that folder after the dump, so every
    attachment the dump names is there. A file deleted between the listing and its reading
    (an orphan swept, an upload rolled back) is skipped and named in the manifest's
    ``vanished``. The key file is packed only when it is the key in force: with SECRET_KEY
    from the environment it is a leftover the mailbox secrets were not encrypted with.
    Returns the manifest.
    """
    target = target.absolute()
    _refuse_to_replace(target)
    vendor = connections[alias].vendor
    dump_name = database.dump_name(vendor)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".secondline-backup-") as work:
        dump_file = Path(work) / dump_name
        counts = database.dump(alias, dump_file)
        bucket = objects.remote_storage()
        vanished: list[str] = []
        if bucket is None:
            files = _media_files()
        else:
            files = objects.download(bucket, Path(work) / MEDIA, MEDIA, vanished)
        members = {dump_name: dump_file, **files}
        if _generated_key_in_force():
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
        return archive.write(target, members, manifest, may_vanish=set(files), vanished=vanished)


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
    every file matches the manifest, SecondLine is not running on this data folder (the
    scheduler's lock, held meanwhile so that it does not start), the archive's database vendor
    is this installation's, the database and the file storage are empty (or ``force``), the
    archive's migrations are all known to this version, and the dump holds the tables and rows
    the manifest lists (last: it reads the whole dump). The database is loaded all or nothing
    and migrated when the archive is older; the files are then moved into MEDIA_ROOT by
    renaming (the temporary folder sits beside MEDIA_ROOT for that), or, with object storage,
    uploaded to the bucket, which then holds exactly them. Returns the manifest, with
    ``notes`` for the operator (migrations applied, mailbox secrets the key cannot read).
    """
    source = source.absolute()
    if not source.is_file():
        raise BackupError(_not_an_archive(source))
    with _secondline_stopped():
        return _restore(source, force, alias)


@contextlib.contextmanager
def _secondline_stopped() -> Iterator[None]:
    """Refuse while `secondline run` (its scheduler) runs on this data folder, or on any node
    with REDIS_URL; hold the data folder's scheduler lock meanwhile, so it cannot start."""
    stop_first = "stop SecondLine (`secondline run`, the worker and the web server) first"
    if settings.REDIS_URL:
        try:
            shared = scheduler.RedisSchedulerLock(
                settings.REDIS_URL, settings.SCHEDULER_LOCK_SECONDS, settings.SCHEDULER_LOCK_KEY
            )
            holder = shared.client.get(shared.lock.name)
        except Exception as exc:  # redis-py's errors: unreachable, refused, bad password
            raise BackupError(
                f"Cannot check with Redis (REDIS_URL) whether SecondLine is running ({exc}); "
                f"{stop_first}, and restore once Redis answers."
            ) from None
        if holder is not None:
            running = holder.decode() if isinstance(holder, bytes) else str(holder)
            raise BackupError(f"SecondLine is running (scheduler on {running}); {stop_first}.")
    try:
        lock = scheduler.take_scheduler_lock(settings.VAR_DIR)
    except scheduler.SchedulerAlreadyRunning:
        raise BackupError(
            f"SecondLine is running on {settings.VAR_DIR} (its scheduler holds "
            f"{scheduler.LOCK_NAME}); {stop_first}."
        ) from None
    try:
        yield
    finally:
        lock.close()


def _restore(source: Path, force: bool, alias: str) -> dict[str, Any]:
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
        if not force and (files_there := _storage_in_use(bucket, media_root)):
            raise BackupError(
                f"{files_there} already holds files; restoring would replace them with the "
                "archive's. To test a backup, point STORAGE_BUCKET or MEDIA_ROOT at a scratch "
                "place too; to replace them, add --force."
            )
        if bucket is None and os.path.ismount(media_root):  # no renaming in after the database
            raise BackupError(
                f"MEDIA_ROOT ({media_root}) is a mount point; point it at a folder inside one."
            )
        older = _refuse_a_newer_archive(source, dump_file, manifest, alias)
        _refuse_a_dump_unlike_its_manifest(source, dump_file, manifest["tables"], alias)
        database.load(alias, dump_file)
        notes = []
        if older:
            call_command("migrate", database=alias, interactive=False, verbosity=0)
            notes.append(
                f"Note: the archive (SecondLine {manifest.get('version', 'unknown')}) lacked "
                f"{len(older)} migration{'s' if len(older) != 1 else ''} of this version "
                f"({_version()}); {'they were' if len(older) != 1 else 'it was'} applied."
            )
        if bucket is None:
            _swap_folder(folder / MEDIA, media_root, Path(work) / "replaced-media")
        else:
            (folder / MEDIA).mkdir(exist_ok=True)
            objects.replace_all(bucket, folder / MEDIA)
        generated = _generated_key_in_force()
        if (folder / SECRET_KEY).is_file():
            _put_key(folder / SECRET_KEY)
        if note := _unreadable_secrets(alias, generated):
            notes.append(note)
    return {**manifest, "notes": notes}


def _storage_in_use(bucket: Storage | None, media_root: Path) -> str | None:
    """What holds the attachments, if it holds any file: a restore would replace them all."""
    if bucket is not None:
        if next(objects.names(bucket), None) is None:
            return None
        name = getattr(bucket, "bucket_name", "")
        return f"The bucket {name} (STORAGE_BUCKET)" if name else "The file storage"
    if any(path.is_file() for path in media_root.rglob("*")):
        return f"MEDIA_ROOT ({media_root})"
    return None


def _refuse_a_newer_archive(
    source: Path, dump_file: Path, manifest: dict[str, Any], alias: str
) -> set[tuple[str, str]]:
    """Refuse an archive whose database has migrations this version does not know (a newer
    SecondLine's: this code would run on a schema it was not written for). Returns this
    version's migrations the archive lacks (an older SecondLine's: migrate brings it up)."""
    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)  # a squashed migration's predecessors
    archived = {
        (app, name)
        for app, name in database.archived_migrations(alias, dump_file)
        if app in loader.migrated_apps
    }
    if unknown := sorted(archived - known):
        more = f" and {len(unknown) - 1} more" if len(unknown) > 1 else ""
        raise BackupError(
            f"{source.name} comes from a newer SecondLine ({manifest.get('version', 'unknown')}; "
            f"this is {_version()}): its database has migrations this version does not know "
            f"({'.'.join(unknown[0])}{more}). Restore it with that version or a later one."
        )
    if not archived:  # not a SecondLine database dump at all: the manifest check says so
        return set()
    squashed_into = {old: key for key, m in loader.disk_migrations.items() for old in m.replaces}
    return {
        key
        for key, migration in loader.disk_migrations.items()
        if key not in archived
        and squashed_into.get(key) not in archived
        and not (migration.replaces and set(migration.replaces) <= archived)
    }


def _unreadable_secrets(alias: str, generated_key_was_in_force: bool) -> str | None:
    """A note when stored mailbox secrets cannot be decrypted with the keys in force.

    The restored key file takes effect at the next start only when the generated key was in
    force; with SECRET_KEY from the environment it is written but not used."""
    key_file = _key_file()
    if generated_key_was_in_force and key_file.is_file():
        secret_keys = [key_file.read_text().strip(), *settings.SECRET_KEY_FALLBACKS]
    else:
        secret_keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    given = tuple(getattr(settings, "MAIL_ENCRYPTION_KEYS", ()) or ())
    keys = given or tuple(crypto.derived_key(key).decode() for key in secret_keys)
    try:
        fernet = MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        return "Note: MAIL_ENCRYPTION_KEYS holds a value that is not a Fernet key."
    columns = [crypto.raw(name) for name in secrets.SECRET_FIELDS]
    unreadable = 0
    for row in Mailbox._base_manager.using(alias).values_list(*columns):
        for stored in row:
            if stored and stored.startswith(crypto.PREFIX):
                try:
                    fernet.decrypt(stored[len(crypto.PREFIX) :].encode())
                except InvalidToken:
                    unreadable += 1
    if not unreadable:
        return None
    archived_key = f"the archive's key, now in {key_file}" if key_file.is_file() else "its key"
    return (
        f"Note: {unreadable} mailbox secrets (passwords, OAuth2 secrets and tokens) cannot be "
        "decrypted with the keys in force: they were encrypted with another SECRET_KEY. Add "
        f"{archived_key}, to SECRET_KEY_FALLBACKS (or the archive's MAIL_ENCRYPTION_KEYS to "
        "yours), restart, and run `secondline mail_rekey`; or enter the secrets again."
    )


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
