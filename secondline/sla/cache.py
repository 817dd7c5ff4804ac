"""Per-process caches of configuration that rarely changes: plans' reaction targets, calendars.

Filing a ticket needs the plan's targets and the contract's business calendar. Both change a
few times a year, so each process keeps them, keyed by the row's id and checked against the
row's ``version`` stamp, which the contract query reads anyway (``select_related``): a change
saved in any process gives the row a new stamp (``sla.signals``), so every process rebuilds on
its next use, at no extra query on the common path. The process that saves also forgets its
copy at once, for callers that still hold the row with the old stamp. A short time-to-live
bounds what a write that bypasses the signals (raw SQL, ``QuerySet.update``) can leave stale.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Generic, TypeVar

Value = TypeVar("Value")

TTL_SECONDS = 60.0


class VersionedCache(Generic[Value]):
    """Values built from a row and its children, valid while the row's stamp is unchanged.

    ``load(pk)`` must read the stamp before the data it builds from, so that a change
    committed between the two reads leaves a value stored under the older stamp (rebuilt
    next time), never old data under the new stamp.
    """

    def __init__(
        self, load: Callable[[int], tuple[uuid.UUID | None, Value]], ttl: float = TTL_SECONDS
    ) -> None:
        self._load = load
        self._ttl = ttl
        self._entries: dict[int, tuple[uuid.UUID | None, float, Value]] = {}
        self._lock = threading.Lock()

    def get(self, pk: int, version: uuid.UUID | None) -> Value:
        entry = self._entries.get(pk)
        now = time.monotonic()
        if entry is not None and entry[0] == version and now - entry[1] < self._ttl:
            return entry[2]
        loaded_version, value = self._load(pk)
        with self._lock:
            self._entries[pk] = (loaded_version, now, value)
        return value

    def forget(self, pk: int) -> None:
        with self._lock:
            self._entries.pop(pk, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
