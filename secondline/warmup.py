"""What a web worker would otherwise do on its first request, done when it starts.

Django imports the URLconf and the views on the first request, python-holidays reads the
Russian calendar's years when a business calendar is first used, and the API's serializers
and the prepared queries are built on their first use: about half a second, paid by the
first customer after every start or restart of each worker (docs/benchmarks.md). ``wsgi.py``
calls ``warm_up()`` once per worker process. Each step is only a head start: one that fails
(a database not migrated yet, say) is logged and left to the first request, as before.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connections
from django.urls import get_resolver
from django.utils import timezone, translation

log = logging.getLogger(__name__)


def warm_up(*, worker: bool = True) -> list[str]:
    """Run every step; returns the names of the steps that failed (and were logged).

    In a worker, it then closes the database connections (the worker opens its own when it
    serves) and moves everything built so far out of the garbage collector's sight: the
    modules, URLconf and caches live as long as the process, and a full collection would
    otherwise walk them all again.
    """
    failed = [step.__name__ for step in STEPS if not _tried(step)]
    if worker:
        connections.close_all()
        gc.collect()
        gc.freeze()
    return failed


def _tried(step: Callable[[], None]) -> bool:
    try:
        step()
    except Exception:
        log.warning(
            "warm-up step %s failed; the first request does it", step.__name__, exc_info=True
        )
        return False
    return True


def import_views() -> None:
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports the URLconf and, through it, every view
    resolver.reverse_dict  # noqa: B018 - and indexes the names that reverse() looks up


def build_api_fields() -> None:
    """The API's fields in each language (activating one loads its translations)."""
    from secondline.api import serializers  # noqa: F401 - defines the serializers built here
    from secondline.api.built_once import build_all

    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            build_all()


def compile_prepared_queries() -> None:
    from secondline.prepared import PreparationError, PreparedQuery

    for query in list(PreparedQuery.every):
        try:
            query.prepare()
        except PreparationError as error:  # it says so again, as an error, when it is used
            log.warning("prepared query %s cannot be prepared: %s", query.build, error)


def index_calendars() -> None:
    """Each working calendar, as the SLA clocks use it, indexed for business time (which
    reads a Russian calendar's official days from python-holidays)."""
    from secondline.sla.calendars import business_calendar
    from secondline.sla.models import WorkingCalendar

    now = timezone.now()
    for row in WorkingCalendar.objects.all():
        business_calendar(row).add(now, dt.timedelta(minutes=1))


def import_tasks() -> None:
    from secondline.mail import tasks  # noqa: F401 - the first notification hand-over needs it


STEPS: tuple[Callable[[], None], ...] = (
    import_views,
    build_api_fields,
    import_tasks,
    compile_prepared_queries,
    index_calendars,
)
