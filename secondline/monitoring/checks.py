"""What a node needs to serve requests: the database, the broker, the file storage and, with
REDIS_URL, the shared cache. Each check returns None when reachable, else a short reason."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection

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


def failures() -> dict[str, str]:
    """The name of each unreachable part and why; empty when the node is ready."""
    failed = {}
    for name, check in checks().items():
        try:
            check()
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"[:300]
    return failed
