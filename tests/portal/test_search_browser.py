"""The search box in the header, driven in Chromium: word forms, highlighted passages, and a
ticket number that opens the ticket."""

from __future__ import annotations

from typing import Any

import pytest

from secondline.tickets import services
from tests.factories import Personas, consultation_draft, file_ticket, incident_draft

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people(transactional_db: Any) -> Personas:
    return Personas.create()


def test_the_header_search_finds_word_forms_and_opens_a_number(
    people: Personas, browser_session: Any
) -> None:
    in_subject = file_ticket(people.member, incident_draft(subject="Отгрузка не проводится"))
    in_comment = file_ticket(people.member, consultation_draft(subject="Вопрос по складу"))
    services.add_comment(in_comment, people.agent, "ОТГРУЗКИ за март задвоились.")
    file_ticket(people.outsider, consultation_draft(subject="Отгрузка в Неве"))
    page = browser_session("agent").page
    page.fill("#header-search-q", "отгрузк")
    page.press("#header-search-q", "Enter")
    page.wait_for_selector(".search-results")
    assert page.locator(".search-result").count() == 3
    assert page.locator(".snippet mark", has_text="ОТГРУЗКИ").count() == 1
    page.fill("#header-search-q", in_subject.number)
    page.press("#header-search-q", "Enter")
    page.wait_for_url(f"**/tickets/{in_subject.pk}/")
    assert page.is_visible("h1:has-text('Отгрузка не проводится')")

    customer = browser_session("member").page
    customer.fill("#header-search-q", "ОТГРУЗКА")
    customer.press("#header-search-q", "Enter")
    customer.wait_for_selector(".search-results")
    numbers = customer.locator(".search-result .number").all_inner_texts()
    assert sorted(numbers) == sorted([in_subject.number, in_comment.number])
