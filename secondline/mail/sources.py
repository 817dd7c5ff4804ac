"""Where imported messages come from: single .eml files, Maildir folders and mbox files.

Only reading lives here; each message's bytes go to ``services.ingest_message``.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator
from pathlib import Path

SINGLE_MESSAGE_SUFFIXES = frozenset({".eml", ".msg", ".txt"})


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


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


def messages(path: Path, unreadable: list[str]) -> Iterator[tuple[str, bytes]]:
    """(label, raw bytes) for every message under ``path``, in a stable order. A file that
    cannot be read (its permissions, a broken link) is added to ``unreadable`` with the reason
    and the rest is read on."""
    if path.is_dir():
        if _is_maildir(path):
            yield from _maildir(path)
            return
        for root, dirs, files in os.walk(path):
            dirs.sort()
            here = Path(root)
            if _is_maildir(here) and here != path:
                dirs.clear()
                yield from _maildir(here)
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


def _maildir(path: Path) -> Iterator[tuple[str, bytes]]:
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.iterkeys()):
        yield f"{label(path)}/{key}", box.get_bytes(key)


def count(paths: list[Path]) -> int | None:
    """How many messages the progress bar should expect; None when counting would be slow."""
    total = 0
    for path in paths:
        if path.is_file() and (
            path.suffix.lower() in SINGLE_MESSAGE_SUFFIXES or not _is_mbox(path)
        ):
            total += 1
        elif path.is_dir() and _is_maildir(path):
            total += sum(1 for sub in ("cur", "new") for _ in (path / sub).iterdir())
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
