"""Search finds tickets by word forms in Russian and English, on SQLite FTS5 and PostgreSQL
(the suite runs on both), and never shows a customer what they may not see."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from secondline.search import documents, text
from secondline.search.queries import search, snippets, ticket_by_number
from secondline.tickets import services
from secondline.tickets.attachments import UploadedFile
from secondline.tickets.models import Ticket
from tests.factories import Personas, consultation_draft, file_ticket, incident_draft

pytestmark = pytest.mark.django_db


def found(user: Any, query: str) -> list[Ticket]:
    return list(search(user, query))


@pytest.fixture
def shipments(personas: Personas) -> dict[str, Ticket]:
    member = personas.member
    subject = file_ticket(member, incident_draft(subject="Отгрузка не проводится"))
    comment = file_ticket(member, consultation_draft(subject="Вопрос по складу"))
    services.add_comment(comment, personas.agent, "ОТГРУЗКИ за март задвоились в отчёте.")
    other = file_ticket(member, consultation_draft(subject="Price list", description="Прайс"))
    return {"subject": subject, "comment": comment, "other": other}


def test_it_finds_russian_word_forms_in_subject_and_comments(
    personas: Personas, shipments: dict[str, Ticket]
) -> None:
    hits = found(personas.agent, "отгрузк")
    assert set(hits) == {shipments["subject"], shipments["comment"]}
    assert set(found(personas.member, "ОТГРУЗКОЙ")) == {shipments["subject"], shipments["comment"]}


def test_it_finds_english_word_forms_and_ranks_the_subject_first(personas: Personas) -> None:
    member = personas.member
    in_text = file_ticket(
        member, consultation_draft(subject="Stock question", description="Shipping is late")
    )
    in_subject = file_ticket(member, consultation_draft(subject="Nothing ships today"))
    assert found(personas.agent, "shipped") == [in_subject, in_text]


def test_it_searches_requester_organisation_and_attachment_names(personas: Personas) -> None:
    personas.member.first_name, personas.member.last_name = "Ирина", "Соколова"
    personas.member.email = "irina.sokolova@volga.example"
    personas.member.save()
    ticket = file_ticket(personas.member, consultation_draft())
    services.add_comment(
        ticket,
        personas.agent,
        "See the file",
        files=[UploadedFile("отгрузки_март.xlsx", ContentFile(b"x"), 1)],
    )
    for query in ("Соколовой", "irina.sokolova@volga.example", "volga logistics", "март xlsx"):
        assert found(personas.agent, query) == [ticket], query


def test_internal_notes_are_searched_for_staff_only(personas: Personas) -> None:
    ticket = file_ticket(personas.member, consultation_draft())
    services.add_comment(ticket, personas.agent, "Клиент должен нам за поддержку", public=False)
    assert found(personas.agent, "должен") == [ticket]
    assert found(personas.member, "должен") == []
    assert found(personas.responsible, "должен") == []


def test_an_outsider_finds_nothing_of_another_customer(
    personas: Personas, shipments: dict[str, Ticket]
) -> None:
    assert found(personas.outsider, "отгрузка") == []
    own = file_ticket(personas.outsider, consultation_draft(subject="Отгрузка в Неве"))
    assert found(personas.outsider, "отгрузка") == [own]
    assert ticket_by_number(personas.outsider, shipments["subject"].number) is None
    assert ticket_by_number(personas.outsider, str(own.pk)) == own


def test_a_number_names_a_ticket(personas: Personas, shipments: dict[str, Ticket]) -> None:
    ticket = shipments["comment"]
    for query in (ticket.number, ticket.number.lower(), f" {ticket.pk} "):
        assert ticket_by_number(personas.member, query) == ticket
    assert ticket_by_number(personas.member, "отгрузка 12") is None
    assert ticket_by_number(personas.member, "9" * 12) is None


def test_edits_and_renames_keep_the_index_current(personas: Personas) -> None:
    ticket = file_ticket(personas.member, consultation_draft())
    services.update_ticket(ticket, personas.member, {"subject": "Инвентаризация зависла"})
    assert found(personas.agent, "инвентаризации") == [ticket]
    assert found(personas.agent, "set up") == []
    personas.customer.name = "Волжская логистика"
    personas.customer.save()
    assert found(personas.agent, "волжской") == [ticket]


def test_the_snippet_marks_the_words_found(
    personas: Personas, shipments: dict[str, Ticket]
) -> None:
    ticket = shipments["comment"]
    pieces = snippets(personas.agent, [ticket], "отгрузка")[ticket.pk].pieces
    assert [p.text for p in pieces if p.match] == ["ОТГРУЗКИ"]
    assert "ОТГРУЗКИ за март задвоились" in "".join(p.text for p in pieces)


def test_nothing_to_search_finds_nothing(personas: Personas, shipments: dict[str, Ticket]) -> None:
    for query in ("", "   ", "!!!", '"', "{subject} : x", "NEAR(a b)", "отгрузка AND"):
        assert isinstance(found(personas.agent, query), list), query
    assert found(personas.agent, "") == []


def test_a_rebuild_indexes_tickets_written_in_bulk(personas: Personas) -> None:
    ticket = file_ticket(personas.member, consultation_draft())
    Ticket.objects.filter(pk=ticket.pk).update(subject="Накладная")  # past the seam
    assert found(personas.agent, "накладные") == []
    assert documents.rebuild(Ticket.objects.all()) == 1
    assert found(personas.agent, "накладные") == [ticket]


def test_the_engine_in_use_is_the_databases_own() -> None:
    # each run of the suite exercises its own engine: FTS5 on SQLite, tsvector on PostgreSQL
    assert connection.vendor in {"sqlite", "postgresql"}


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("Отгрузка", "отгрузк"),
        ("ОТГРУЗКИ", "отгрузк"),
        ("отчёт", "отчет"),
        ("shipments", "shipment"),
        ("2026", "2026"),  # a number is its own stem
    ],
)
def test_words_are_stemmed_in_their_language(word: str, stem: str) -> None:
    assert text.stem(word) == stem


def test_the_search_page_highlights_and_jumps(
    client: Any, personas: Personas, shipments: dict[str, Ticket]
) -> None:
    client.force_login(personas.member)
    page = client.get("/search/", {"q": "отгрузки"}).content.decode()
    assert "<mark>ОТГРУЗКИ</mark>" in page and f">{shipments['subject'].number}<" in page
    assert f">{shipments['other'].number}<" not in page
    answer = client.get("/search/", {"q": shipments["other"].number})
    assert answer.status_code == 302 and answer["Location"] == f"/tickets/{shipments['other'].pk}/"
    client.force_login(personas.outsider)
    assert client.get("/search/", {"q": shipments["other"].number}).status_code == 200
    page = client.get("/search/", {"q": "отгрузка"}).content.decode()
    assert f">{shipments['subject'].number}<" not in page


def test_the_api_searches_with_q(
    client: Any, personas: Personas, shipments: dict[str, Ticket]
) -> None:
    client.force_login(personas.agent)
    ticket = shipments["comment"]
    services.add_comment(ticket, personas.agent, "Отгрузка отгрузки отгрузкой", public=False)
    body = client.get("/api/tickets/", {"q": "отгрузка"}).json()
    # the subject weighs more than any number of mentions in the conversation
    assert [row["id"] for row in body["results"]] == [shipments["subject"].pk, ticket.pk]
    client.force_login(personas.member)
    body = client.get("/api/tickets/", {"q": "отгрузкой"}).json()
    assert {row["id"] for row in body["results"]} == {ticket.pk, shipments["subject"].pk}
    assert client.get("/api/tickets/", {"q": "x" * 201}).status_code == 400


def test_the_queue_filter_searches_by_word_forms(
    client: Any, personas: Personas, shipments: dict[str, Ticket]
) -> None:
    client.force_login(personas.agent)
    page = client.get("/desk/", {"queue": "all", "q": "отгрузкам"}).content.decode()
    assert f">{shipments['subject'].number}<" in page
    assert f">{shipments['comment'].number}<" in page
    assert f">{shipments['other'].number}<" not in page


def test_the_reindex_command_rebuilds_every_document(personas: Personas) -> None:
    from io import StringIO

    from django.core.management import call_command

    ticket = file_ticket(personas.member, consultation_draft())
    Ticket.objects.filter(pk=ticket.pk).update(description="Сверка остатков")
    out = StringIO()
    call_command("search", "reindex", stdout=out)
    assert out.getvalue() == "1 tickets indexed.\n"
    assert found(personas.agent, "остатки") == [ticket]


def test_a_word_in_very_many_tickets_ranks_a_bounded_number(
    client: Any, personas: Personas, monkeypatch: Any
) -> None:
    from secondline.search import queries

    monkeypatch.setattr(queries, "CANDIDATES", 2)
    tickets = [file_ticket(personas.member, consultation_draft(subject="Отгрузка")) for _ in "abc"]
    hits = found(personas.agent, "отгрузка")
    assert len(hits) == 2 and set(hits) <= set(tickets)
    client.force_login(personas.agent)
    page = client.get("/search/", {"q": "отгрузка"}).content.decode()
    assert "At least 2 tickets found" in page


@pytest.mark.parametrize(("few", "first_slice"), [(0, 2000), (0, 1), (5000, 1)])
def test_the_newest_matches_are_found_among_many_tickets_and_among_few(
    personas: Personas,
    shipments: dict[str, Ticket],
    monkeypatch: Any,
    few: int,
    first_slice: int,
) -> None:
    """Among many tickets the newest ids are searched in slices of growing width (one, or
    several); among few each ticket is looked up (PostgreSQL); all find the same tickets, and
    so does a customer."""
    from secondline.search import queries

    monkeypatch.setattr(queries, "FEW_TICKETS", few)
    monkeypatch.setattr(queries, "FIRST_SLICE", first_slice)
    expected = {shipments["subject"], shipments["comment"]}
    assert set(found(personas.agent, "отгрузк")) == expected
    assert set(found(personas.member, "отгрузк")) == expected
    assert found(personas.outsider, "отгрузк") == []


def test_the_slices_stop_once_enough_newest_matches_are_found(
    personas: Personas, monkeypatch: Any
) -> None:
    """PostgreSQL ranks the newest matches (SQLite the best by bm25): with slices one id wide,
    growing ×2, the two newest of four are found in the first two slices, and the third, the
    oldest ticket's, is never read."""
    from secondline.search import queries

    if connection.vendor != "postgresql":
        pytest.skip("FTS5 keeps the best matches by bm25, not the newest")

    monkeypatch.setattr(queries, "FEW_TICKETS", 0)
    monkeypatch.setattr(queries, "FIRST_SLICE", 1)
    monkeypatch.setattr(queries, "SLICE_GROWTH", 2)
    monkeypatch.setattr(queries, "CANDIDATES", 2)
    tickets = [file_ticket(personas.member, consultation_draft(subject="Сверка")) for _ in "abcd"]
    with CaptureQueriesContext(connection) as queries_run:
        assert set(found(personas.agent, "сверки")) == set(tickets[-2:])
    slices = [q["sql"] for q in queries_run if '."filed" > ' in q["sql"]]
    assert len(slices) == 2, slices


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bulk_rebuild_remakes_every_document_and_the_indexes(
    personas: Personas, shipments: dict[str, Ticket], monkeypatch: Any
) -> None:
    """Past ``DEFER_INDEXES_AT`` documents the GIN indexes are dropped and made again once."""
    monkeypatch.setattr(documents, "DEFER_INDEXES_AT", 1)
    assert documents.rebuild(Ticket.objects.all(), batch=2) == 3
    assert set(found(personas.agent, "отгрузк")) == {shipments["subject"], shipments["comment"]}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            names = connection.introspection.get_constraints(cursor, "search_ticketvector")
        assert {"search_vector_gin", "search_public_vector_gin"} <= set(names)


def test_the_search_page_says_when_nothing_matches_and_counts_what_does(
    client: Any, personas: Personas, shipments: dict[str, Ticket]
) -> None:
    """An empty page of results was taken for no search at all: no count, no word."""
    for user in (personas.agent, personas.member, personas.outsider):
        client.force_login(user)
        page = client.get("/search/", {"q": "кобальт <b>"}).content.decode()
        assert "No tickets match “кобальт &lt;b&gt;”." in page
        assert "tickets found" not in page and 'class="search-results"' not in page
    client.force_login(personas.member)
    page = client.get("/search/", {"q": "прайс"}).content.decode()
    assert "1 ticket found" in page and "No tickets match" not in page
    assert "No tickets match" not in client.get("/search/").content.decode()
    personas.member.language = "ru"
    personas.member.save()
    page = client.get("/search/", {"q": "кобальт"}).content.decode()
    assert "По запросу «кобальт» заявок не найдено." in page
