"""The billing pages and the SLA report share the desk's layout and fit a 375 px wide phone:
nothing sticks out sideways (the page's scroll width is the viewport's)."""

from __future__ import annotations

from typing import Any

import pytest

from secondline.accounts.models import User
from secondline.billing.models import OutOfHoursRequest, WorkLog
from secondline.demo.data import DEMO_PASSWORD, load_demo
from tests.portal.demo_month import close_last_month

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 375, "height": 800}
#: The elements that reach past the right edge, innermost first: what to fix when one does.
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def test_billing_and_the_sla_report_fit_a_phone(browser_session: Any) -> None:
    load_demo()
    statement = close_last_month()
    for user in User.objects.filter(username__in=["manager", "responsible"]):
        user.set_password("pw")  # tests/portal/conftest.py signs in with it
        user.save()
    assert DEMO_PASSWORD
    pages = [
        "/billing/",
        f"/billing/statements/{statement}/",
        f"/billing/statements/{statement}/revisions/1/",
        f"/billing/requests/{OutOfHoursRequest.objects.order_by('pk').first().pk}/",
        f"/billing/tickets/{WorkLog.objects.order_by('pk').first().ticket_id}/worklogs/",
        "/sla/report/",
    ]
    wide = []
    for username in ("manager", "responsible"):
        tab = browser_session(username)
        tab.page.set_viewport_size(PHONE)
        for path in pages:
            tab.go(path)
            assert tab.page.locator(".site-header").count() == 1, path
            assert tab.page.locator("link[href$='portal/app.css']").count() == 1, path
            width = tab.page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide.append(f"{username} {path}: {width} px, {tab.page.evaluate(WIDEST)}")
    assert not wide, wide
