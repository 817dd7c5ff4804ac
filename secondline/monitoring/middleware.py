"""The probes, answered before the rest of the middleware.

A liveness or readiness probe and a Prometheus scrape address the node itself (``Host:
10.0.0.5:8000``, a Kubernetes probe's default), not a name in ALLOWED_HOSTS; the first
middleware that reads the host (CommonMiddleware) would answer them 400 and the orchestrator
would restart a healthy node for ever. Nothing here reads the Host header: /metrics still
answers only METRICS_ALLOWED_ADDRESSES, and /readyz tells the public nothing but ok or failing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from secondline.monitoring import views

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": views.healthz,
    "/readyz": views.readyz,
    "/metrics": views.metrics,
}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        # SecurityMiddleware, which would add it, never sees the probes; /readyz is public
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
