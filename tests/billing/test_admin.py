"""Billing in the back office: terms, prepaid packages, rates and statements; bad input is
refused by the model's own validation, statements change only through the billing verbs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from secondline.billing import statements
from secondline.billing.models import BillingTerms, PrepaidPackage, Statement
from tests.billing.conftest import msk


@pytest.fixture
def draft(personas: Any, ticket: Any, log: Any, manager: Any) -> Statement:
    log(ticket, msk(2024, 11, 5, 10), msk(2024, 11, 5, 11), description="Checked the posting")
    return statements.generate_statement(personas.contract, dt.date(2024, 11, 1), manager)


def _terms_form(contract: Any, **values: Any) -> dict[str, Any]:
    return {
        "contract": contract.pk,
        "rounding_minutes": 15,
        "prepaid_warning_percent": 80,
        **values,
    }


def test_billing_terms_are_listed_with_the_contracts_rates(
    admin_client: Any, personas: Any
) -> None:
    BillingTerms.objects.create(contract=personas.contract, rounding_minutes=6)
    listing = admin_client.get(reverse("admin:billing_billingterms_changelist"))
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "VL-1" in page and str(personas.contract.hourly_rate) in page


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"rounding_minutes": 0}, "rounding_minutes"),
        ({"rounding_minutes": 241}, "rounding_minutes"),
        ({"prepaid_warning_percent": 101}, "prepaid_warning_percent"),
    ],
)
def test_bad_billing_terms_are_refused(
    admin_client: Any, personas: Any, values: dict[str, Any], field: str
) -> None:
    answer = admin_client.post(
        reverse("admin:billing_billingterms_add"), _terms_form(personas.contract, **values)
    )
    assert answer.status_code == 200  # the form again, with its errors
    assert field in answer.context["adminform"].form.errors
    assert not BillingTerms.objects.exists()


def test_good_billing_terms_are_saved(admin_client: Any, personas: Any) -> None:
    answer = admin_client.post(
        reverse("admin:billing_billingterms_add"),
        _terms_form(personas.contract, rounding_minutes=6),
    )
    assert answer.status_code == 302
    assert BillingTerms.for_contract(personas.contract.pk).rounding_minutes == 6


def _package_form(contract: Any, **values: Any) -> dict[str, Any]:
    return {
        "contract": contract.pk,
        "hours": "20",
        "purchased_on": "2024-10-20",
        "valid_from": "2024-11-01",
        "valid_until": "2025-01-31",
        "note": "",
        **values,
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"hours": "0"}, "greater than or equal to 0.01"),
        ({"valid_until": "2024-10-31"}, "prepaid_package_valid_period"),
    ],
)
def test_bad_prepaid_packages_are_refused(
    admin_client: Any, personas: Any, values: dict[str, Any], message: str
) -> None:
    answer = admin_client.post(
        reverse("admin:billing_prepaidpackage_add"), _package_form(personas.contract, **values)
    )
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not PrepaidPackage.objects.exists()


def test_a_prepaid_package_is_added_and_listed(admin_client: Any, personas: Any) -> None:
    added = admin_client.post(
        reverse("admin:billing_prepaidpackage_add"), _package_form(personas.contract)
    )
    assert added.status_code == 302
    package = PrepaidPackage.objects.get()
    listing = admin_client.get(reverse("admin:billing_prepaidpackage_changelist"))
    assert listing.status_code == 200 and "VL-1" in listing.content.decode()
    change = admin_client.get(reverse("admin:billing_prepaidpackage_change", args=[package.pk]))
    assert change.status_code == 200


def test_rates_are_refused_by_the_contracts_own_validation(
    admin_client: Any, personas: Any
) -> None:
    url = reverse("admin:accounts_contract_change", args=[personas.contract.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        customer=personas.customer.pk,
        sla_plan=personas.contract.sla_plan_id,
        calendar=personas.contract.calendar_id,
        out_of_hours_multiplier="0.5",
    )
    answer = admin_client.post(url, data)
    assert answer.status_code == 200
    assert "out_of_hours_multiplier" in answer.context["adminform"].form.errors


def test_a_draft_statement_is_shown_issued_by_the_verb_then_read_only(
    admin_client: Any, draft: Statement
) -> None:
    listing = admin_client.get(reverse("admin:billing_statement_changelist"))
    assert listing.status_code == 200 and "VL-1" in listing.content.decode()
    url = reverse("admin:billing_statement_change", args=[draft.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and "Checked the posting" in page.content.decode()
    assert 'name="total_amount"' not in page.content.decode()  # never typed in by hand

    issued = admin_client.post(
        reverse("admin:billing_statement_changelist"),
        {"action": "issue", "_selected_action": [draft.pk]},
    )
    assert issued.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Statement.Status.ISSUED and draft.issued_at is not None

    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # view only
    assert admin_client.post(url, {}).status_code == 403
    delete = reverse("admin:billing_statement_delete", args=[draft.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Statement.objects.filter(pk=draft.pk).exists()


def test_issuing_twice_is_refused_with_the_services_reason(
    admin_client: Any, draft: Statement, manager: Any
) -> None:
    statements.issue_statement(draft, manager)
    answer = admin_client.post(
        reverse("admin:billing_statement_changelist"),
        {"action": "issue", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert "Only a draft or disputed statement is issued." in answer.content.decode()


def test_a_draft_can_be_deleted(admin_client: Any, draft: Statement) -> None:
    delete = reverse("admin:billing_statement_delete", args=[draft.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not Statement.objects.exists()
