"""Probes for the load balancer and the orchestrator, and the metrics for Prometheus."""

from __future__ import annotations

import logging
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from secondline.monitoring.checks import results
from secondline.monitoring.metrics import SecondLineCollector

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Touches nothing else, so a slow database never gets a
    healthy node restarted."""
    return JsonResponse({"status": "alive"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: the database, the broker and the storage answer (and the cache with REDIS_URL),
    each within TIMEOUT_SECONDS; else 503 with each part and whether it is ok or failing. Why
    a part failed goes to the log only: /readyz is public behind the proxy, and the reasons
    name paths, hosts and ports."""
    found = results()
    if not any(found.values()):
        return JsonResponse({"status": "ready"})
    for name, error in found.items():
        if error:
            logger.warning("/readyz: the %s is failing: %s", name, error)
    parts = {name: "failing" if error else "ok" for name, error in found.items()}
    return JsonResponse({"status": "unavailable", "parts": parts}, status=503)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, only to the addresses in METRICS_ALLOWED_ADDRESSES."""
    if request.META.get("REMOTE_ADDR", "") not in settings.METRICS_ALLOWED_ADDRESSES:
        return HttpResponse(status=404)
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


def registry() -> CollectorRegistry:
    """What a scrape shows. With ``PROMETHEUS_MULTIPROC_DIR`` set (several gunicorn workers:
    prometheus-client then keeps every process's counters and histograms in files there), the
    request metrics of all the workers summed, whichever worker answers the scrape, and
    SecondLine's gauges read now; else this process's own registry."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # prometheus-client reads it from there
        return REGISTRY
    merged = CollectorRegistry()
    MultiProcessCollector(merged)
    merged.register(SecondLineCollector())
    return merged
