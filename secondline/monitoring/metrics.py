"""The service desk's own gauges for Prometheus, read at each scrape with a few indexed
queries: open tickets by status and SLA state, SLA checks overdue, mail intake lag, the
notification outbox and the worker's queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from secondline.mail.models import InboundMessage, Notification
from secondline.tickets.choices import OPEN_STATUSES
from secondline.tickets.models import Ticket


def _open_tickets() -> Iterator[GaugeMetricFamily]:
    by_status = GaugeMetricFamily(
        "secondline_open_tickets", "Open tickets by status", labels=["status"]
    )
    by_state = GaugeMetricFamily(
        "secondline_sla_tickets", "Open tickets by SLA state", labels=["state"]
    )
    rows = (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("status", "sla_state")
        .annotate(n=Count("id"))
    )
    statuses: dict[str, int] = dict.fromkeys(sorted(OPEN_STATUSES), 0)
    states: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] += row["n"]
        state = row["sla_state"] or "none"
        states[state] = states.get(state, 0) + row["n"]
    for status, n in statuses.items():
        by_status.add_metric([status], n)
    for state, n in sorted(states.items()):
        by_state.add_metric([state], n)
    yield by_status
    yield by_state


def _backlogs() -> Iterator[GaugeMetricFamily]:
    now = timezone.now()
    yield GaugeMetricFamily(
        "secondline_sla_checks_overdue",
        "Tickets whose SLA check moment has passed and the sweep has not handled yet",
        value=Ticket.objects.filter(sla_next_check_at__lte=now).count(),
    )
    oldest = InboundMessage.objects.filter(status=InboundMessage.Status.RECEIVED).aggregate(
        at=Min("received_at")
    )["at"]
    yield GaugeMetricFamily(
        "secondline_mail_intake_lag_seconds",
        "Age of the oldest received email not processed yet (0 when none waits)",
        value=(now - oldest).total_seconds() if oldest else 0,
    )
    yield GaugeMetricFamily(
        "secondline_mail_outbox_pending",
        "Notification emails not sent yet",
        value=Notification.objects.filter(status=Notification.Status.PENDING).count(),
    )
    length = queue_length()
    if length is not None:
        yield GaugeMetricFamily(
            "secondline_worker_queue_length", "Tasks waiting for a worker", value=length
        )


def queue_length() -> int | None:
    """Tasks waiting in the broker's default queue (Redis or the embedded file queue)."""
    url = settings.CELERY_BROKER_URL
    if url.startswith(("redis://", "rediss://")):
        import redis

        return int(redis.Redis.from_url(url, socket_timeout=2).llen("celery"))
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in")
    if url.startswith("filesystem://") and isinstance(folder, str):
        return sum(1 for _ in Path(folder).glob("*.msg"))
    return None


class SecondLineCollector(Collector):
    def describe(self) -> list[GaugeMetricFamily]:
        return []  # registering must not query: the database may not exist yet

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from _open_tickets()
        yield from _backlogs()
