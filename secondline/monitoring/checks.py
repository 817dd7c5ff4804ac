"""What a node needs to serve requests: the database, the broker, the file storage and, with
REDIS_URL, the shared cache. Each check raises when its part is unreachable.

The checks run at once, each in a thread of its own, and a part that has not answered within
TIMEOUT_SECONDS is failing: a hung database (or cache, or bucket) then costs /readyz three
seconds, not a web server thread for ever. The thread left behind finishes on its own (the
database's connect_timeout, settings/core.py); until it has, the next probe waits on it again
rather than starting another, so a hung part holds at most one thread per process."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection, connections

TIMEOUT_SECONDS = 3


def _database() -> None:
    connection.ensure_connection()
    ContentType.objects.exists()


def _broker() -> None:
    from kombu import Connection

    with Connection(
        settings.CELERY_BROKER_URL,
        transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        connect_timeout=TIMEOUT_SECONDS,
    ) as broker:
        broker.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)


def _storage() -> None:
    if isinstance(default_storage, FileSystemStorage):
        root = Path(default_storage.location)
        if not root.exists():
            # A fresh install: MEDIA_ROOT appears with the first attachment, which the storage
            # saves by creating the folders it lacks. Ready if it will be able to.
            parent = next(folder for folder in root.parents if folder.exists())
            if not (parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)):
                raise RuntimeError(f"{root} does not exist and {parent} is not a writable folder")
            return
    default_storage.listdir("")


def _cache() -> None:
    probe = f"readyz:{uuid.uuid4().hex}"
    cache.set(probe, "1", 10)
    if cache.get(probe) != "1":
        raise RuntimeError("a value written was not read back")
    cache.delete(probe)


def checks() -> dict[str, Callable[[], None]]:
    found = {"database": _database, "broker": _broker, "storage": _storage}
    if settings.REDIS_URL:
        found["cache"] = _cache
    return found


class _Running:
    """One check in its own thread; ``error`` is set once ``done`` is, None when it passed."""

    def __init__(self, name: str, check: Callable[[], None]) -> None:
        self.check = check
        self.done = threading.Event()
        self.error: str | None = None
        # a daemon: a check stuck on a hung server never keeps the process from exiting
        self.thread = threading.Thread(target=self._run, name=f"readyz-{name}", daemon=True)

    def _run(self) -> None:
        try:
            self.check()
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            connections.close_all()  # the connection this thread opened, not a web thread's
            self.done.set()


_running: dict[str, _Running] = {}
_running_lock = threading.Lock()


def _start(name: str, check: Callable[[], None]) -> _Running:
    with _running_lock:
        running = _running.get(name)
        if running is None or running.done.is_set():
            running = _running[name] = _Running(name, check)
            running.thread.start()
        return running


def results() -> dict[str, str | None]:
    """Each part's name and why it failed, None for a part that answered; all within about
    TIMEOUT_SECONDS, whatever hangs."""
    deadline = time.monotonic() + TIMEOUT_SECONDS
    started = {name: _start(name, check) for name, check in checks().items()}
    found: dict[str, str | None] = {}
    for name, running in started.items():
        if running.done.wait(max(0.0, deadline - time.monotonic())):
            found[name] = running.error
        else:
            found[name] = f"no answer within {TIMEOUT_SECONDS} s"
    return found
