"""Every page of the desk and the portal passes axe-core's checks of WCAG 2.1, levels A and AA,
in a real browser: contrast, names of links, buttons and fields, labels, landmarks, the use of
ARIA. An agent works in the desk all day, some with a screen reader or the keyboard only.

The walk covers the routes of the Russian walk (``test_russian_everywhere.py``: every named
route outside the API and the back office, a new one fails there until it is listed), on the
demo's data with a month closed, once for the contractor's staff, once for a customer and once
for a visitor: each page as the first person of the side who gets it (not a redirect). Every
page is checked by one side at least; the page between the password and the code, and the
signed links of an Urgent incident's emails (its contact's confirmation, the engineer's
acknowledgement), on rows made for them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.base import SessionBase
from django.urls import reverse
from django.utils.module_loading import import_string

from secondline.accounts import second_factor
from secondline.accounts.models import User
from secondline.demo.data import load_demo
from secondline.mail import urgent
from secondline.releases import duty
from secondline.tickets.models import Ticket
from tests.portal.conftest import PASSWORD
from tests.portal.demo_month import close_last_month
from tests.portal.test_russian_everywhere import (
    KWARGS,
    NOT_PAGES,
    POST_ONLY,
    named_routes,
    page_url,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
#: The sides of the walk and the demo's people who open their pages, in turn.
SIDES: dict[str, list[str | None]] = {
    "staff": ["manager", "agent", "engineer", "admin"],
    "customer": ["responsible", "member"],
    "visitor": [None],
}
#: Pages that a route shows differently by its query string.
VARIANTS = ["/tickets/new/?type=incident", "/desk/?queue=all", "/search/?q=export"]
#: Routes that are parts of a page, checked in the page they go into.
FRAGMENTS = {
    "portal:ticket_fields": "the new-ticket form's fields for a type: in the incident form",
    "replies:insert": "the answer box a canned reply refills: the ticket page's own",
}


def _pages() -> list[str]:
    paths = [
        page_url(name, route)
        for name, route in sorted(named_routes())
        if name not in NOT_PAGES and name not in POST_ONLY and name not in FRAGMENTS
    ]
    return paths + VARIANTS


def _shown(tab: Any, path: str) -> bool:
    """Open ``path``; True when it answered with itself, as a whole HTML page (an htmx
    fragment is checked in the page it goes into)."""
    response = tab.page.goto(tab.base + path)
    assert response is not None, path
    assert response.status < 500, f"{path}: {response.status}"
    if response.status != 200:
        # refused to this person (403, 404) on purpose: not the console error the tab's
        # fixture fails on
        tab.errors[:] = [error for error in tab.errors if "Failed to load resource" not in error]
        return False
    if urlsplit(tab.page.url).path != urlsplit(path).path:
        return False  # sent elsewhere: the sign-in page, the person's own start page
    html = "html" in (response.header_value("content-type") or "")
    return html and tab.page.locator("main").count() == 1


def _urgent_links() -> None:
    """What the demo's Urgent incident would have sent: its contact's confirmation link and
    the engineer on duty's alert."""
    incident = Ticket.objects.filter(priority="urgent", status="new").order_by("pk").first()
    assert incident is not None, "the demo has no new Urgent incident"
    urgent.ask_to_confirm(incident, incident.requester)
    duty.on_urgent_incident(incident)


def _between_password_and_code(tab: Any) -> None:
    """The tab's session as a staff member's who gave the password and owes the code."""
    cookie = next(
        c for c in tab.page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
    )
    store: type[SessionBase] = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    session = store(cookie["value"])
    session[second_factor.SESSION_KEY] = second_factor.VERIFY
    session.save()


def _violations(axe: Axe, tab: Any, path: str, who: str) -> list[str]:
    found = axe.run(tab.page, options=WCAG_21_AA).response["violations"]
    return [
        f"{path} as {who}: {rule['id']} ({rule['impact']}): {rule['help']}: {node['html'][:160]}"
        f" ({node['failureSummary']})"
        for rule in found
        for node in rule["nodes"]
    ]


def test_every_page_passes_axe_for_staff_customers_and_visitors(browser_session: Any) -> None:
    load_demo()
    close_last_month()
    User.objects.update(password=make_password(PASSWORD))
    _urgent_links()
    axe = Axe()
    tabs = {who: browser_session(who) for people in SIDES.values() for who in people}
    tabs["halfway"] = browser_session("agent")
    _between_password_and_code(tabs["halfway"])
    sides = {**SIDES, "halfway": ["halfway"]}
    problems: list[str] = []
    checked: dict[str, set[str]] = {side: set() for side in sides}
    pages = _pages()  # once: a signed link's token carries the time it was made
    for path in pages:
        for side, people in sides.items():
            who = next((who for who in people if _shown(tabs[who], path)), "")
            if who == "":
                continue
            problems += _violations(axe, tabs[who], path, str(who or "a visitor"))
            checked[side].add(path)
    assert not problems, "\n".join(problems)
    unchecked = [path for path in pages if not any(path in paths for paths in checked.values())]
    assert not unchecked, f"pages no one was shown: {unchecked}"
    ticket = reverse("portal:ticket_detail", kwargs=KWARGS["portal:ticket_detail"]())
    assert {"/desk/", "/desk/?queue=all", ticket, "/billing/"} <= checked["staff"], checked
    assert {"/tickets/", "/tickets/new/?type=incident", ticket} <= checked["customer"], checked
    assert "/login/" in checked["visitor"], checked
