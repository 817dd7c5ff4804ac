"""The contract's old "Prepaid hours" field becomes a prepaid package, and back when reversed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from secondline.sla.models import SLAPlan, WorkingCalendar

BEFORE = [("accounts", "0005_api_tokens_from_authtoken"), ("billing", "0001_initial")]
AFTER = [("accounts", "0006_contract_prepaid_hours_removed")]


def _migrate(targets: list[tuple[str, str]]) -> object:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


# serialized_rollback like every transactional test here: its flush at the end must leave the
# database for the next one to restore (a plain flush recreates the content types, and the
# next test's restore then collides with them).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_turns_a_contracts_prepaid_hours_into_a_package_and_back() -> None:
    calendar = WorkingCalendar.objects.create(name="Migration calendar")
    plan = SLAPlan.objects.create(name="Migration plan")
    old = _migrate(BEFORE)
    Org = old.get_model("accounts", "Organization")  # type: ignore[attr-defined]
    Contract = old.get_model("accounts", "Contract")  # type: ignore[attr-defined]
    Calendar = old.get_model("sla", "WorkingCalendar")  # type: ignore[attr-defined]
    Plan = old.get_model("sla", "SLAPlan")  # type: ignore[attr-defined]
    customer = Org.objects.create(name="Migration customer", kind="customer")
    common = {
        "customer": customer,
        "calendar": Calendar.objects.get(pk=calendar.pk),
        "sla_plan": Plan.objects.get(pk=plan.pk),
        "hourly_rate": Decimal("1000"),
        "starts_on": dt.date(2025, 3, 1),
    }
    Contract.objects.create(number="M-1", prepaid_hours=Decimal("40"), **common)
    Contract.objects.create(
        number="M-2", prepaid_hours=Decimal("12.5"), ends_on=dt.date(2025, 8, 31), **common
    )
    Contract.objects.create(number="M-3", prepaid_hours=None, **common)

    new = _migrate(AFTER)
    Package = new.get_model("billing", "PrepaidPackage")  # type: ignore[attr-defined]
    packages = {p.contract.number: p for p in Package.objects.select_related("contract")}
    assert sorted(packages) == ["M-1", "M-2"]
    assert packages["M-1"].hours == Decimal("40")
    assert (packages["M-1"].valid_from, packages["M-1"].valid_until) == (
        dt.date(2025, 3, 1),
        dt.date(2026, 2, 28),
    )
    assert packages["M-2"].valid_until == dt.date(2025, 8, 31)

    back = _migrate(BEFORE)
    Contract = back.get_model("accounts", "Contract")  # type: ignore[attr-defined]
    hours = dict(Contract.objects.values_list("number", "prepaid_hours"))
    assert hours == {"M-1": Decimal("40.00"), "M-2": Decimal("12.50"), "M-3": None}
    assert not back.get_model("billing", "PrepaidPackage").objects.exists()  # type: ignore[attr-defined]
    _migrate(executor_leaf_nodes())


def executor_leaf_nodes() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
