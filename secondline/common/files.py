"""Files: one that appears whole or not at all, and names a file system takes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import IO, Any


@contextmanager
def written_whole(path: Path, mode: str = "wb", **options: Any) -> Iterator[IO[Any]]:
    """Write ``path`` through a private temporary file beside it (mode 0600: backups and
    exports hold personal data) that is flushed to disk and renamed over ``path`` only when the
    block ends without error. On any failure, a full disk included, the temporary file is
    removed and whatever was at ``path`` is as it was."""
    descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(descriptor, mode, **options) as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def stored_name(filename: str, limit: int = 150) -> str:
    """The name cut to ``limit`` bytes of UTF-8 with its extension kept: a file system takes
    255 bytes a name, and 150 Cyrillic letters are 300 (the storage may add 8 more)."""
    name = PurePath(filename).name or "attachment"
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode()) > 20:
        stem, extension = name, ""
    tail = f".{extension}" if extension else ""
    room = limit - len(tail.encode())
    return stem.encode()[:room].decode(errors="ignore") + tail
