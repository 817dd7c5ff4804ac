"""One celery beat per data folder: two schedulers would send every periodic sweep twice.

The scheduler takes an exclusive ``fcntl.flock`` on ``VAR_DIR/scheduler.lock`` before it opens
its schedule and holds it for its whole life; the kernel drops the lock when the process ends,
however it ends, so a crash never leaves a stale lock behind. A second beat on the same folder
(a second ``secondline run``, or ``celery -A secondline beat`` started by hand) stops with a
clear message instead of doubling the jobs.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO, Any

from celery.beat import PersistentScheduler

LOCK_NAME = "scheduler.lock"


class SchedulerAlreadyRunning(Exception):
    """Another process holds the scheduler lock of this data folder."""


def lock_path(var_dir: str | Path) -> Path:
    return Path(var_dir) / LOCK_NAME


def _lock_without_waiting(var_dir: str | Path) -> IO[str]:
    path = lock_path(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "unknown"
        lock.close()
        raise SchedulerAlreadyRunning(
            f"another scheduler (pid {holder}) is already running on {path.parent}; "
            "stop it first: only one celery beat may run per data folder"
        ) from None
    return lock


def take_scheduler_lock(var_dir: str | Path) -> IO[str]:
    """Lock the data folder's scheduler lock without waiting and write our pid in it; the
    caller keeps the file open for as long as it is the scheduler.

    Raises ``SchedulerAlreadyRunning`` naming the holder's pid."""
    lock = _lock_without_waiting(var_dir)
    lock.seek(0)
    lock.truncate()
    lock.write(f"{os.getpid()}\n")
    lock.flush()
    return lock


def scheduler_running(var_dir: str | Path) -> str | None:
    """The refusal message if a scheduler holds the folder's lock now, else None."""
    try:
        _lock_without_waiting(var_dir).close()
    except SchedulerAlreadyRunning as exc:
        return str(exc)
    return None


class SingleScheduler(PersistentScheduler):
    """celery beat's file-backed scheduler, refusing to start beside another one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        try:
            self._lock: IO[str] | None = take_scheduler_lock(settings.VAR_DIR)
        except SchedulerAlreadyRunning as exc:
            # SystemExit, not an exception: celery would log a traceback for the latter.
            raise SystemExit(f"celery beat: {exc}") from None
        super().__init__(*args, **kwargs)

    def close(self) -> None:
        super().close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
