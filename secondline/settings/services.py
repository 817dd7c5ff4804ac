"""The worker and the shared services: Celery's broker (files under the data folder by
default), the cache and sessions, and the scheduler's lock (docs/production.md)."""

from __future__ import annotations

import os

from kombu.transport import TRANSPORT_ALIASES

from secondline.environment import envbool, envint, envurl
from secondline.settings.core import VAR_DIR

# Celery: the embedded default keeps its queue in files under var/, so no server is needed.
CELERY_BROKER_URL = envurl(
    "CELERY_BROKER_URL",
    "filesystem://localhost/",
    TRANSPORT_ALIASES,  # every transport kombu knows by name
    "redis://redis:6379/0 or amqp://guest@rabbit//",
)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "queue"
    for _folder in ("out", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "out"),
        "data_folder_out": str(_queue_dir / "out"),
        "processed_folder": str(_queue_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_queue_dir / "control"),
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A task whose worker process died goes back to the queue instead of being acknowledged.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# One beat per data folder: it holds VAR_DIR/scheduler.lock for its life (secondline/scheduler.py).
CELERY_BEAT_SCHEDULER = "secondline.scheduler:SingleScheduler"

# --- Cache, sessions and the scheduler lock in Redis (docs/production.md) -------------------
# One process or one machine: the per-process memory cache and sessions in the database. With
# REDIS_URL set, every node shares the cache (cached contracts, rate limits) and the sessions
# live in it, so a person signed in on one node is signed in on all; the scheduler takes its
# lock there too (secondline/scheduler.py), so exactly one celery beat runs among all nodes.
# what redis-py's from_url takes (the cache, the sessions and the scheduler lock use it)
REDIS_URL = envurl("REDIS_URL", "", {"redis", "rediss", "unix"}, "redis://redis:6379/0")
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "secondline").strip()
SCHEDULER_LOCK_KEY = f"{CACHE_KEY_PREFIX}:scheduler"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The Redis lock expires this many seconds after the scheduler last renewed it (every tick),
# so a node that dies hands the schedule to a waiting one within about this time.
SCHEDULER_LOCK_SECONDS = envint("SCHEDULER_LOCK_SECONDS", 60)
# beat wakes at least this often, to renew its lock well before it expires
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, SCHEDULER_LOCK_SECONDS // 4)
# --- end of Redis ----------------------------------------------------------------------------
