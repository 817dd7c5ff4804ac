"""The Celery application: one code path for the embedded worker and for scale-out."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secondline.settings")

app = Celery("secondline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {}


def register_periodic(name: str, task: str, seconds: float) -> None:
    """Add a periodic sweep to celery beat; apps call this from their AppConfig.ready()."""
    app.conf.beat_schedule[name] = {"task": task, "schedule": seconds}


def retry_countdown(retries: int, first: int) -> int:
    """Seconds before the next try of a failed send: doubling from ``first``, at most an hour."""
    return min(3600, first * 2**retries)
