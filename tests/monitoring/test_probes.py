"""/healthz, /readyz and /metrics: what a load balancer, an orchestrator and Prometheus read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.factories import file_ticket


def test_healthz_answers_without_signing_in(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "alive"}


@pytest.mark.django_db
def test_readyz_is_ready_when_everything_answers(client: Any) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_readyz_names_the_broker_and_the_storage_that_failed(
    client: Any, settings: Any, tmp_path: Path
) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    (tmp_path / "a-file").write_text("")  # a missing folder is ready if it can be created
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "a-file" / "media")},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "parts": {"database": "ok", "broker": "failing", "storage": "failing"},
    }


@pytest.mark.django_db
def test_metrics_show_sla_states_queues_and_request_latency(client: Any, member: Any) -> None:
    file_ticket(member)
    client.get("/healthz")
    text = client.get("/metrics").content.decode()
    assert 'secondline_open_tickets{status="new"} 1.0' in text
    assert 'secondline_sla_tickets{state="on_track"} 1.0' in text
    assert "secondline_sla_checks_overdue 0.0" in text
    assert "secondline_mail_intake_lag_seconds 0.0" in text
    assert "secondline_worker_queue_length" in text
    assert "django_http_requests_latency_seconds_by_view_method" in text


@pytest.mark.django_db
def test_metrics_are_not_shown_to_other_addresses(client: Any) -> None:
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 404


def test_logs_are_json_lines_when_asked(tmp_path: Path) -> None:
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('secondline.check').warning('sweep moved %s', 3)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "secondline.settings", "LOG_FORMAT": "json"}
    env["SECONDLINE_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["message"] == "sweep moved 3"
    assert line["level"] == "WARNING" and line["logger"] == "secondline.check"


def test_an_unknown_log_level_is_refused_with_its_name(tmp_path: Path) -> None:
    env = {"DJANGO_SETTINGS_MODULE": "secondline.settings", "LOG_LEVEL": "verbose"}
    env["SECONDLINE_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL; got 'VERBOSE'" in (
        result.stderr
    )


@pytest.mark.django_db
def test_metrics_sum_every_worker_in_multiprocess_mode(
    client: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """Under gunicorn with several workers each process counts its own requests; with
    PROMETHEUS_MULTIPROC_DIR they write to that folder and any worker's scrape shows the sum."""
    count = (
        "from prometheus_client import Counter; "
        "Counter('secondline_test_requests', 'requests').inc({})"
    )
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for requests in (3, 4):  # two worker processes
        subprocess.run([sys.executable, "-c", count.format(requests)], env=env, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = client.get("/metrics").content.decode()
    assert "secondline_test_requests_total 7.0" in text
    assert "secondline_open_tickets" in text, "SecondLine's gauges, read at the scrape"
