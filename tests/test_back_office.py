"""Every page of the back office opens for its administrator: each list, and the page of a
row of each kind that has one."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import file_ticket


@pytest.mark.django_db
def test_every_list_and_a_row_of_each_kind_open(admin_client: Any, personas: Any) -> None:
    file_ticket(personas.member)  # a ticket with its events, comment-less on purpose
    opened = []
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        listing = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert listing.status_code == 200, meta.label
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            name = f"admin:{meta.app_label}_{meta.model_name}_change"
            page = admin_client.get(reverse(name, args=[row.pk]))
            assert page.status_code == 200, meta.label
            opened.append(meta.label)
    assert "tickets.Ticket" in opened and "accounts.User" in opened
