"""Test set-up shared by the whole suite: fast settings and the fixed personas.

The personas: a contractor agent, a contractor manager, a customer responsible, a customer
member, and an outsider (a member of another customer). Every access rule gets an outsider test.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import pytest

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    # Each test process keeps its own cache and database sessions even when REDIS_URL is set
    # (CI's services pass): a shared Redis would carry one test's cache into another's. The
    # multi-node tests (tests/services/test_scale_out.py) run real Redis in their subprocesses.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    settings.REDIS_URL = ""
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="secondline-media-")
    settings.STATIC_ROOT = tempfile.mkdtemp(prefix="secondline-static-")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    from secondline.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


def need_service(name: str, reason: str) -> None:
    """Skip a test whose service is missing, unless REQUIRE_SERVICES=1 makes that a failure."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required (REQUIRE_SERVICES=1) but unavailable: {reason}")
    pytest.skip(f"{name} unavailable: {reason}")


@pytest.fixture
def personas(db: Any) -> Any:
    from tests.factories import Personas

    return Personas.create()


@pytest.fixture
def agent(personas: Any) -> Any:
    return personas.agent


@pytest.fixture
def manager(personas: Any) -> Any:
    return personas.manager


@pytest.fixture
def responsible(personas: Any) -> Any:
    return personas.responsible


@pytest.fixture
def member(personas: Any) -> Any:
    return personas.member


@pytest.fixture
def outsider(personas: Any) -> Any:
    return personas.outsider


@pytest.fixture
def admin_client(client: Any, personas: Any) -> Any:
    """A client signed in to the back office as the contractor's administrator (replaces
    pytest-django's, whose superuser has no role or organisation)."""
    from secondline.accounts.models import User

    boss = User.objects.create_superuser(
        "boss",
        "boss@secondline.example",
        "pw",
        role=User.Role.ADMIN,
        organization=personas.contractor,
    )
    client.force_login(boss)
    return client


@pytest.fixture
def api_as() -> Any:
    """An API client authenticated with the given user's token, as a real client would be."""
    from rest_framework.test import APIClient

    from secondline.accounts.tokens import issue_token

    def client_for(user: Any) -> APIClient:
        client = APIClient()
        _, key = issue_token(user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


@pytest.fixture
def sent(django_capture_on_commit_callbacks: Any) -> Any:
    """``with sent(): ...`` runs what waits for the commit (the outbox) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def heard() -> Any:
    """What the ticket core announces during the test (``tests/listeners.py``)."""
    from tests.listeners import listening

    with listening() as changes:
        yield changes
