"""The probes as production reaches them: by the node's address whatever ALLOWED_HOSTS says,
and /readyz through the public proxy, which must learn nothing but ok or failing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

NODE = "10.0.0.5:8001"  # a Kubernetes httpGet probe's Host: the pod's address and port


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"), [("/healthz", 200), ("/readyz", 200), ("/metrics", 200)]
)
def test_it_answers_the_probes_addressed_to_the_node(
    client: Any, settings: Any, path: str, status: int
) -> None:
    settings.ALLOWED_HOSTS = ["support.example.com"]  # docs/production.md
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.9"]
    answer = client.get(path, HTTP_HOST=NODE, REMOTE_ADDR="10.0.0.9")
    assert answer.status_code == status, answer.content
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # only the probes: every other page still refuses a host it does not serve
    assert client.get("/login/", HTTP_HOST=NODE).status_code == 400


@pytest.mark.django_db
def test_it_shows_metrics_to_the_allowed_addresses_only_by_node_address_too(
    client: Any, settings: Any
) -> None:
    settings.ALLOWED_HOSTS = ["support.example.com"]
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.9"]
    assert client.get("/metrics", HTTP_HOST=NODE, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get("/metrics", HTTP_HOST=NODE, REMOTE_ADDR="203.0.113.7").status_code == 404


@pytest.mark.django_db
def test_it_tells_the_public_which_part_fails_and_the_log_why(
    client: Any, settings: Any, caplog: Any
) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    with caplog.at_level(logging.WARNING, logger="secondline.monitoring"):
        answer = client.get("/readyz", HTTP_HOST="support.example.com")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable",
        "parts": {"database": "ok", "broker": "failing", "storage": "ok"},
    }
    assert "127.0.0.1:1" in caplog.text and "broker" in caplog.text


@pytest.mark.django_db
def test_it_is_ready_before_the_first_attachment_creates_media_root(
    client: Any, settings: Any, tmp_path: Path
) -> None:
    """`secondline migrate`, then gunicorn: MEDIA_ROOT appears with the first attachment,
    which the load balancer would never send to a node it holds unready."""
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    assert client.get("/readyz").json() == {"status": "ready"}
    assert not settings.MEDIA_ROOT.exists(), "the probe only looks"

    (tmp_path / "a-file").write_text("")  # where no folder can ever be created
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["parts"]["storage"] == "failing"
