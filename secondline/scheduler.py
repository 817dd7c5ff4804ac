"""One celery beat per data folder, or per Redis with REDIS_URL set: two schedulers would send
every periodic sweep twice.

The scheduler takes an exclusive ``fcntl.flock`` on ``VAR_DIR/scheduler.lock`` before it opens
its schedule and holds it for its whole life; the kernel drops the lock when the process ends,
however it ends, so a crash never leaves a stale lock behind. A second beat on the same folder
(a second ``secondline run``, or ``celery -A secondline beat`` started by hand) stops with a
clear message instead of doubling the jobs.

With REDIS_URL set the nodes share no folder, so the lock is a Redis key that expires
SCHEDULER_LOCK_SECONDS after it was last renewed (redis-py's ``Lock``, renewed on every tick of
beat). Every node runs a beat; the one holding the key schedules, the others stand by and take
over within that time when its node dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import time
from pathlib import Path
from typing import IO, Any

from celery.beat import PersistentScheduler

LOCK_NAME = "scheduler.lock"
REDIS_LOCK_KEY = "secondline:scheduler"

log = logging.getLogger(__name__)


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


class RedisSchedulerLock:
    """The schedule's lock shared by all nodes: a Redis key naming its holder, with expiry."""

    def __init__(self, url: str, seconds: int, key: str = REDIS_LOCK_KEY) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self.holder = f"{socket.gethostname()}:{os.getpid()}"
        self.lock = self.client.lock(key, timeout=seconds, thread_local=False)
        self.seconds = seconds

    def try_take(self) -> bool:
        return bool(self.lock.acquire(blocking=False, token=self.holder))

    def wait(self) -> None:
        """Stand by until the lock is ours."""
        announced = False
        while not self.try_take():
            if not announced:
                log.warning("scheduler standing by: %s holds the schedule", self.current_holder())
                announced = True
            time.sleep(max(1, self.seconds // 4))
        log.warning("scheduler lock taken by %s", self.holder)

    def renew(self) -> bool:
        """Push the expiry back; False when the lock was lost (we stalled past it)."""
        from redis.exceptions import LockError

        try:
            self.lock.reacquire()
        except LockError:
            return False
        return True

    def current_holder(self) -> str:
        value = self.client.get(self.lock.name)
        if isinstance(value, bytes):
            return value.decode()
        return str(value or "nobody")

    def release(self) -> None:
        from redis.exceptions import LockError

        # expired or taken over meanwhile: nothing of ours to release
        with contextlib.suppress(LockError):
            self.lock.release()


class SingleScheduler(PersistentScheduler):
    """celery beat's file-backed scheduler, refusing to start beside another one (data folder
    lock) or standing by until it holds the lock (Redis)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from django.conf import settings

        self._lock: IO[str] | None = None
        self._shared: RedisSchedulerLock | None = None
        if settings.REDIS_URL:
            self._shared = RedisSchedulerLock(
                settings.REDIS_URL, settings.SCHEDULER_LOCK_SECONDS, settings.SCHEDULER_LOCK_KEY
            )
            self._shared.wait()
        else:
            try:
                self._lock = take_scheduler_lock(settings.VAR_DIR)
            except SchedulerAlreadyRunning as exc:
                # SystemExit, not an exception: celery would log a traceback for the latter.
                raise SystemExit(f"celery beat: {exc}") from None
        super().__init__(*args, **kwargs)
        self._keep_lock()  # opening the schedule may have taken a while

    def _keep_lock(self) -> None:
        if self._shared is not None and not self._shared.renew():
            log.error("scheduler lock lost (this beat stalled past its expiry); standing by")
            self._shared.wait()

    def tick(self, *args: Any, **kwargs: Any) -> float:
        self._keep_lock()
        return float(super().tick(*args, **kwargs))

    def close(self) -> None:
        super().close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        if self._shared is not None:
            self._shared.release()
            self._shared = None
