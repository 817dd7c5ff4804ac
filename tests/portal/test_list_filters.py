"""A filter value the lists do not know (an old bookmark, a typo) is left out, as an unknown
sort or organisation is: it would otherwise match nothing and show an empty list."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.factories import file_ticket

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("unknown", "known_elsewhere"),
    [
        ("status=in_progres", "status=closed"),
        ("type=bug", "type=consultation"),
        ("priority=critical", "priority=low"),
    ],
)
def test_the_customers_list_leaves_out_a_value_it_does_not_know(
    personas: Any, unknown: str, known_elsewhere: str
) -> None:
    """``known_elsewhere`` still filters: the incident (new, high) is not among its tickets."""
    ticket = file_ticket(personas.member)
    client = client_for(personas.member)
    link = f'href="/tickets/{ticket.pk}/"'
    assert link in client.get(f"/tickets/?{unknown}").content.decode()
    assert link not in client.get(f"/tickets/?{unknown}&{known_elsewhere}").content.decode()


@pytest.mark.parametrize("unknown", ["status=in_progres", "type=bug", "priority=critical"])
def test_the_desk_leaves_out_a_value_it_does_not_know(personas: Any, unknown: str) -> None:
    ticket = file_ticket(personas.member)
    page = client_for(personas.agent).get(f"/desk/?queue=all&{unknown}").content.decode()
    assert f'href="/tickets/{ticket.pk}/"' in page
