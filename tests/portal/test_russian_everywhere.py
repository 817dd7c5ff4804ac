"""Every page of the desk and the portal, for a person whose profile says Russian, shows no
English but data. All data is made Cyrillic first (tests/portal/cyrillic.py), so a Latin word
left on a page is interface text that escaped translation (tests/portal/visible_text.py).

The walk covers every named route of the site outside the API and the back office; a route is
either rendered here or listed in ``NOT_PAGES`` with its reason, and a new route fails
``test_every_route_is_walked_or_listed`` until it is one or the other."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import signing
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from django.views.defaults import server_error

from secondline.accounts import second_factor
from secondline.accounts.models import User
from secondline.billing.models import OutOfHoursRequest
from secondline.billing.statement_models import Statement, StatementRevision
from secondline.demo.data import load_demo
from secondline.mail.models import InboundMessage, UrgentConfirmation
from secondline.releases.models import UpdatePlan, UrgentAlert
from secondline.tickets.models import Ticket
from tests.portal.cyrillic import make_data_cyrillic
from tests.portal.demo_month import close_last_month
from tests.portal.visible_text import english_phrases, english_words

#: Parts of the site that are not the desk or the portal, with the reason.
NOT_SITE = {
    "api/": "the REST API answers JSON; tests/api/test_russian_messages.py checks its language",
    "admin/": "the back office is Django's admin, translated by Django itself",
}
#: Named routes that are no page of their own, with the reason.
NOT_PAGES = {
    "set_language": "Django's language switch answers POST with a redirect",
    "portal:set_language": "answers POST with a redirect",
    "logout": "answers POST with a redirect",
    "healthz": "a probe for the load balancer, plain text for machines",
    "readyz": "a probe for the load balancer, plain text for machines",
    "metrics": "Prometheus metrics, for machines",
    "portal:home": "redirects to the person's start page",
    "password_reset_done": "covered with password_reset: the same layout, rendered below",
    "subscriptions:open": "marks the notice read and redirects to its ticket",
    "subscriptions:badge": "an htmx fragment of the header's count, a number",
    "portal:queue_counts": "an htmx fragment of the queue tabs' counts, numbers",
    "billing:statement_csv": "a CSV download",
    "billing:statement_pdf": "a PDF download (its words come from billing/statement_pdf.html)",
    "billing:statement_xlsx": "an XLSX download",
    "billing:statement_act": "a PDF download",
    "portal:attachment": "a file download",
}
#: Routes that only take POST; the walk checks that GET is refused (405).
POST_ONLY = {
    "portal:ticket_reply",
    "portal:ticket_phone_call",
    "portal:ticket_status",
    "portal:ticket_priority",
    "portal:ticket_decline",
    "portal:ticket_assign",
    "portal:ticket_watchers",
    "portal:bulk",
    "portal:save_view",
    "portal:delete_view",
    "portal:quarantine_retry",
    "portal:quarantine_ticket",
    "portal:quarantine_accept",
    "portal:quarantine_discard",
    "portal:quarantine_discard_many",
    "portal:ticket_merge",
    "portal:ticket_links",
    "billing:raise_request",
    "billing:generate",
    "billing:statement_correct",
    "billing:statement_credit",
    "billing:statement_item",
    "releases:propose",
    "subscriptions:read_all",
    "subscriptions:subscription",
    "subscriptions:read",
    "replies:delete",
    "replies:apply",
    "two_factor_backup_codes",
}
#: Signed links from emails: the demo sends none, so the walk shows their "link not valid" page
#: (tests/releases and tests/mail render the valid ones).
LINK_PAGES = {"releases:acknowledge", "mail:confirm_urgent"}
ROLES = ["admin", "manager", "agent", "engineer", "responsible", "member"]


def named_routes() -> Iterator[tuple[str, str]]:
    """(name, pattern) of every named route of the site outside ``NOT_SITE``."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for item in patterns:
            if isinstance(item, URLResolver):
                inner = namespace + (f"{item.namespace}:" if item.namespace else "")
                yield from walk(item.url_patterns, prefix + str(item.pattern), inner)
            elif isinstance(item, URLPattern) and item.name:
                route = prefix + str(item.pattern)
                if not any(route.startswith(part) for part in NOT_SITE):
                    yield namespace + item.name, route

    yield from walk(get_resolver().url_patterns, "", "")


def _first(queryset: Any) -> Any:
    row = queryset.order_by("pk").first()
    assert row is not None, f"the demo has no {queryset.model.__name__}"
    return row


def _ticket() -> dict[str, Any]:
    return {"pk": _first(Ticket.objects.filter(events__isnull=False).distinct()).pk}


def _signed(salt: str, key: str, model: Any) -> dict[str, Any]:
    row = model.objects.order_by("pk").first()
    return {"token": signing.dumps({key: row.pk if row else 0}, salt=salt, compress=True)}


#: How each page finds the object it shows.
KWARGS: dict[str, Callable[[], dict[str, Any]]] = {
    "portal:ticket_detail": _ticket,
    "replies:insert": lambda: {"ticket_pk": _ticket()["pk"]},
    "portal:ticket_urgent": lambda: {"pk": _first(Ticket.objects.filter(priority="urgent")).pk},
    "billing:ticket_worklogs": lambda: {"ticket_id": _ticket()["pk"]},
    "billing:request": lambda: {"pk": _first(OutOfHoursRequest.objects).pk},
    "billing:statement": lambda: {"pk": _first(Statement.objects).pk},
    "billing:statement_revision": lambda: {
        "pk": (revision := _first(StatementRevision.objects)).statement_id,
        "number": revision.number,
    },
    "releases:plan": lambda: {"ticket_id": _first(UpdatePlan.objects).ticket_id},
    "releases:acknowledge": lambda: _signed(
        "secondline.releases.acknowledge", "alert", UrgentAlert
    ),
    "mail:confirm_urgent": lambda: _signed(
        "secondline.mail.urgent.confirm", "confirm", UrgentConfirmation
    ),
    # the demo's email in Russian: its text is data, shown as received
    "portal:quarantine_detail": lambda: {
        "pk": _first(InboundMessage.objects.filter(subject__startswith="Срочно")).pk
    },
    "password_reset_confirm": lambda: {"uidb64": "MQ", "token": "set-password"},
}


def _any_kwargs(route: str) -> dict[str, Any]:
    """Arguments for a route that refuses GET anyway: any value of the right kind."""
    return {
        name: 1 if kind == "int" else "x" for kind, name in re.findall(r"<(?:(\w+):)?(\w+)>", route)
    }


def page_url(name: str, route: str) -> str:
    """The address of a named route's page: the demo's object it shows (``KWARGS``), or any
    arguments for a route that needs none of the demo's."""
    return reverse(name, kwargs=KWARGS[name]() if name in KWARGS else _any_kwargs(route))


def test_every_route_is_walked_or_listed() -> None:
    missing = [
        f"{name} ({route})"
        for name, route in named_routes()
        if name not in NOT_PAGES and name not in POST_ONLY and "<" in route and name not in KWARGS
    ]
    assert not missing, (
        "a new route: give it KWARGS so the Russian walk renders it, or list it in NOT_PAGES "
        f"or POST_ONLY with the reason: {missing}"
    )
    listed = set(NOT_PAGES) | POST_ONLY | set(KWARGS)
    stale = listed - {name for name, _ in named_routes()}
    assert not stale, f"listed routes that no longer exist: {stale}"


def _client(user: User | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the browser asks English, the profile Russian
    if user is None:
        client.cookies["django_language"] = "ru"
    else:
        client.force_login(user)
    return client


@pytest.mark.django_db(transaction=False)
def test_every_page_speaks_russian_to_a_russian_profile() -> None:
    load_demo()
    make_data_cyrillic()
    close_last_month()
    people = {name: User.objects.get(username=name) for name in ROLES}
    User.objects.update(language="ru")
    for person in people.values():
        person.refresh_from_db()
    clients = {name: _client(person) for name, person in people.items()}
    clients["visitor"] = _client(None)
    problems: list[str] = []
    for name, route in sorted(named_routes()):
        if name in NOT_PAGES:
            continue
        url = page_url(name, route)
        shown = False
        for who, client in clients.items():
            if name == "two_factor_verify":  # the page between the password and the code
                session = client.session
                session[second_factor.SESSION_KEY] = second_factor.VERIFY
                session.save()
            response = client.get(url)
            if name in POST_ONLY:
                if response.status_code != 405:
                    problems.append(f"{name} answers GET: {response.status_code}")
                break
            if response.status_code in {301, 302}:
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            shown = shown or response.status_code == 200
            words = english_words(response.content.decode())
            if words:
                problems.append(
                    f"{url} as {who} ({response.status_code}): {sorted(words)} in "
                    f"{english_phrases(response.content.decode())}"
                )
        if name not in POST_ONLY and name not in LINK_PAGES and not shown:
            problems.append(f"{url}: no role saw the page (200)")
    translation.activate("en")
    Path(os.environ.get("RUSSIAN_WALK_REPORT", os.devnull)).write_text("\n".join(problems))
    assert not problems, "\n".join(problems)


def test_the_error_pages_speak_the_profiles_language_in_the_sites_style(
    personas: Any, rf: Any
) -> None:
    member = personas.member
    member.first_name, member.last_name, member.language = "Мила", "Соколова", "ru"
    member.save()
    personas.customer.name = "Волга"
    personas.customer.save()
    client = _client(member)
    for url, status in [("/no-such-page/", 404), ("/releases/duty/", 403)]:
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == status
        assert 'class="site-header"' in page and '<html lang="ru">' in page, url
        assert not english_words(page), (url, english_phrases(page))
    assert (
        "График дежурств видят только сотрудники исполнителя"
        in client.get("/releases/duty/").content.decode()
    )

    request = rf.get("/")
    with translation.override("ru"):
        page = server_error(request).content.decode()
    assert "portal/app.css" in page and '<html lang="ru">' in page
    assert not english_words(page), english_phrases(page)
    with translation.override("en"):
        assert "Something went wrong" in server_error(request).content.decode()
