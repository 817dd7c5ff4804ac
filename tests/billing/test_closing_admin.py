"""The back office: legal details checked on save, price lists, the statements' paper trail."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from secondline.accounts.models import LegalEntity
from tests.billing.closing import CONTRACTOR


def test_legal_details_with_a_wrong_check_digit_are_refused(admin_client: Any) -> None:
    url = reverse("admin:accounts_legalentity_add")
    refused = admin_client.post(url, {**CONTRACTOR, "inn": "7707083894"})
    assert refused.status_code == 200
    assert "The INN&#x27;s check digit is wrong." in refused.content.decode()
    assert not LegalEntity.objects.exists()
    saved = admin_client.post(url, CONTRACTOR)
    assert saved.status_code == 302
    assert LegalEntity.objects.get().inn == CONTRACTOR["inn"]


def test_price_lists_and_the_paper_trail_are_in_the_back_office(admin_client: Any) -> None:
    for model in ("pricelistitem", "statementcorrection", "statementrevision", "statementevent"):
        assert admin_client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:billing_statementcorrection_add")).status_code == 403
