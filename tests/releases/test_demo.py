from __future__ import annotations

import pytest

from secondline.demo.data import load_demo
from secondline.releases.catalogue import installations_behind
from secondline.releases.demo import load_release_demo
from secondline.releases.models import DutyShift, Installation, UpdatePlan

pytestmark = pytest.mark.django_db


def test_the_release_demo_loads_once_on_top_of_the_main_demo() -> None:
    assert load_release_demo() is False  # nothing to hang it on yet
    assert load_demo() is True  # the main demo loads the release demo too
    assert load_release_demo() is False
    assert Installation.objects.count() == 3
    assert DutyShift.objects.count() == 16
    plan = UpdatePlan.objects.get()
    assert plan.state == UpdatePlan.State.WINDOW_PROPOSED
    latest = plan.target_version
    behind = {i.contract.number + "/" + i.name for i in installations_behind(latest)}
    assert "VL-2026-01/Production" in behind
