"""Attachments leave only through the access-checked download views, with DEBUG on too."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

import secondline.urls
from secondline.tickets.models import Attachment
from tests.factories import file_ticket


def _reload_urls() -> None:
    importlib.reload(secondline.urls)
    clear_url_caches()


@pytest.fixture
def debug_urls() -> Iterator[None]:
    """The URLconf as a developer's ``DEBUG=1`` start builds it (it is read once, at import)."""
    with override_settings(DEBUG=True):
        _reload_urls()
        yield
    _reload_urls()


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_with_debug_on_media_urls_serve_no_attachment(
    debug_urls: None, member: Any, outsider: Any
) -> None:
    ticket = file_ticket(member)
    attachment = Attachment(ticket=ticket, uploaded_by=member, filename="trace.log", size=12)
    attachment.file.save("trace.log", ContentFile(b"Traceback..."), save=True)
    direct = f"/media/{attachment.file.name}"
    assert Client().get(direct).status_code == 404
    assert _signed_in(outsider).get(direct).status_code == 404
    assert _signed_in(member).get(direct).status_code == 404

    page = reverse("portal:attachment", args=[ticket.pk, attachment.pk])
    download = _signed_in(member).get(page)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"Traceback..."
    assert _signed_in(outsider).get(page).status_code == 404
    assert Client().get(page).status_code == 302  # to the login page
