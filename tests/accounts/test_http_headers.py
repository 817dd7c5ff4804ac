"""HTTP headers every answer carries: the Content-Security-Policy, and no caching of anything a
signed-in user sees (docs/security.md)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def directives(response: Any) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.partition(" ")[2] for part in policy.split("; ") if part}


def test_a_portal_page_is_private_and_not_stored(member: Any) -> None:
    client = Client()
    client.force_login(member)
    response = client.get("/tickets/")
    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


def test_an_api_answer_to_a_token_is_private_and_not_stored(api_as: Any, member: Any) -> None:
    response = api_as(member).get("/api/tickets/")
    assert response.status_code == 200
    cache_control = response.headers["Cache-Control"]
    assert "private" in cache_control
    assert "no-store" in cache_control


def test_the_login_page_and_static_files_keep_their_own_headers(client: Any) -> None:
    login = client.get("/login/")
    assert login.status_code == 200
    # Django's LoginView is never_cache by itself; the middleware adds nothing for a visitor.
    assert (
        login.headers["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
    )
    static = client.get("/static/portal/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


def test_anonymous_public_answers_are_not_marked_private(client: Any) -> None:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert "private" not in response.headers.get("Cache-Control", "")


def test_every_page_carries_the_content_security_policy(client: Any, member: Any) -> None:
    client.force_login(member)
    policy = directives(client.get("/tickets/"))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["style-src"] == "'self'"  # no inline style on our own pages
    assert policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'"
    assert policy["object-src"] == "'none'"


def test_only_the_pages_the_frameworks_draw_may_use_inline_styles(
    client: Any, admin_user: Any
) -> None:
    """The admin, the browsable API and the API's docs write inline styles; scripts stay our
    own files there too. A path that merely starts with the same letters is ours: strict."""
    client.force_login(admin_user)
    for path in ("/admin/", "/api/tickets/", "/api/docs/", "/api/redoc/"):
        policy = directives(client.get(path, HTTP_ACCEPT="text/html"))
        assert policy["style-src"] == "'self' 'unsafe-inline'", path
        assert policy["script-src"] == "'self'", path
    for path in ("/desk/", "/tickets/", "/billing/", "/login/"):
        assert directives(client.get(path))["style-src"] == "'self'", path


def test_the_api_docs_need_no_inline_script(client: Any) -> None:
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"<script>" not in page.content
    script = client.get("/api/docs/?script")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    redoc = client.get("/api/redoc/")
    assert b"<script>" not in redoc.content
    assert b"fonts.googleapis.com" not in redoc.content
    assert directives(redoc)["worker-src"] == "'self' blob:"
