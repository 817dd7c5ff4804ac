"""Where imported messages come from: single .eml files, Maildir folders and mbox files.

Only reading lives here; each message's bytes go to ``services.ingest_message``.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator
from pathlib import Path

SINGLE_MESSAGE_SUFFIXES = frozenset({".eml", ".msg", ".txt"})
# Folders of a mailbox that hold no requests: what its owner threw away or marked as spam, and
# what they wrote. A Maildir's import passes them over and says so; named, one is imported.
PASSED_OVER = frozenset(
    {
        "trash",
        "deleted items",
        "deleted messages",
        "junk",
        "junk e-mail",
        "spam",
        "drafts",
        "sent",
        "sent items",
        "sent messages",
        "корзина",
        "удаленные",
        "удалённые",
        "спам",
        "черновики",
        "отправленные",
    }
)


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _is_maildir_folder(path: Path) -> bool:
    # A subfolder needs only the two folders mail is read from; some tools create no tmp/.
    return all((path / sub).is_dir() for sub in ("cur", "new"))


def maildir_folders(
    path: Path, passed_over: list[str] | None = None, seen: set[Path] | None = None
) -> list[Path]:
    """The Maildir at ``path`` and every folder in it, in name order, each before its own:
    Maildir++ folders (``.Support``, ``.Archive.2024``, what ``mailbox.Maildir.list_folders``
    reads) and the file-system layout's (``Support/cur``). Trash, spam, drafts and sent mail
    (``PASSED_OVER``) are left out and added to ``passed_over``; named itself, such a folder
    is read like any other."""
    seen = seen if seen is not None else set()
    passed_over = passed_over if passed_over is not None else []
    seen.add(path.resolve())
    folders = [path]
    try:
        entries = sorted(os.scandir(path), key=lambda entry: entry.name)
    except OSError:  # the folder's own messages are read (or named unreadable) by _maildir
        return folders
    for entry in entries:
        sub = Path(entry.path)
        if entry.name in {"cur", "new", "tmp"} or not sub.is_dir() or sub.resolve() in seen:
            continue  # a link back to a folder read already would loop
        if not _is_maildir_folder(sub):
            continue
        if entry.name.rpartition(".")[2].lower() in PASSED_OVER:
            passed_over.append(label(sub))
            continue
        folders.extend(maildir_folders(sub, passed_over, seen))
    return folders


def _is_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def label(text: str | Path) -> str:
    """A source's name as it can be stored and shown: a file name's bytes that are not UTF-8
    (kept by Python as lone surrogates, which no database column takes) become U+FFFD."""
    return os.fsencode(text).decode("utf-8", "replace")


def messages(
    path: Path, unreadable: list[str], passed_over: list[str] | None = None
) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for every message under ``path``, in a stable order. A file that
    cannot be read (its permissions, a broken link) is added to ``unreadable`` with the reason
    and the rest is read on; a Maildir's trash, spam, drafts and sent folders are added to
    ``passed_over`` (``maildir_folders``)."""
    if path.is_dir():
        if _is_maildir(path):
            yield from _maildir(path, unreadable, passed_over)
            return
        for root, dirs, files in os.walk(path):
            dirs.sort()
            here = Path(root)
            if _is_maildir(here) and here != path:
                dirs.clear()
                yield from _maildir(here, unreadable, passed_over)
                continue
            for name in sorted(files):
                if name.startswith(".") or name.lower() in {"readme.md", "readme", "readme.txt"}:
                    continue
                yield from _readable(here / name, unreadable)
        return
    yield from _readable(path, unreadable)


def _readable(path: Path, unreadable: list[str]) -> Iterator[tuple[str, bytes]]:
    try:
        yield from _file(path)
    except OSError as exc:
        unreadable.append(f"{label(path)}: {exc.strerror or exc}")


def _file(path: Path) -> Iterator[tuple[str, bytes]]:
    # A .eml file is one message even when it starts with an mbox "From " line.
    if path.suffix.lower() not in SINGLE_MESSAGE_SUFFIXES and _is_mbox(path):
        box = mailbox.mbox(str(path), create=False)
        try:
            for key in box.iterkeys():
                yield f"{label(path)}#{key}", box.get_bytes(key)
        finally:
            box.close()
        return
    yield label(path), path.read_bytes()


def _maildir(
    path: Path, unreadable: list[str], passed_over: list[str] | None
) -> Iterator[tuple[str, bytes]]:
    for folder in maildir_folders(path, passed_over):
        box = mailbox.Maildir(str(folder), factory=None, create=False)
        try:
            keys = sorted(box.iterkeys())
        except OSError as exc:
            unreadable.append(f"{label(folder)}: {exc.strerror or exc}")
            continue
        for key in keys:
            try:
                raw = box.get_bytes(key)
            except (OSError, KeyError) as exc:  # KeyError: gone since the folder was listed
                unreadable.append(f"{label(folder)}/{key}: {getattr(exc, 'strerror', '') or exc}")
                continue
            yield f"{label(folder)}/{key}", raw


def count(paths: list[Path]) -> int | None:
    """How many messages the progress bar should expect; None when counting would be slow."""
    total = 0
    for path in paths:
        if path.is_file() and (
            path.suffix.lower() in SINGLE_MESSAGE_SUFFIXES or not _is_mbox(path)
        ):
            total += 1
        elif path.is_dir() and _is_maildir(path):
            try:
                total += sum(
                    1
                    for folder in maildir_folders(path)
                    for sub in ("cur", "new")
                    for _ in (folder / sub).iterdir()
                )
            except OSError:  # the import names the folder it cannot read
                return None
        elif path.is_dir():
            total += sum(
                1
                for _root, _dirs, files in os.walk(path)
                for name in files
                if not name.startswith(".") and name.lower() not in {"readme.md", "readme"}
            )
        else:
            return None
    return total
