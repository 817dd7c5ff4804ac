"""A ticket is findable the moment its filing commits, files included: its document is built
from the filing in memory, and is the one a rebuild from the rows makes."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from secondline.search import documents
from secondline.search.models import TicketDocument
from secondline.search.queries import search
from secondline.tickets import services
from secondline.tickets.attachments import UploadedFile
from secondline.tickets.choices import Channel
from tests.factories import Personas, consultation_draft

pytestmark = pytest.mark.django_db


def test_a_ticket_filed_with_files_is_found_by_their_names_at_once(personas: Personas) -> None:
    ticket = services.file_ticket(
        personas.member,
        consultation_draft(subject="Price list"),
        Channel.EMAIL,
        files=[
            UploadedFile("остатки_склад.xlsx", ContentFile(b"x"), 1),
            UploadedFile("screenshot.png", ContentFile(b"y"), 1),
        ],
    )
    assert list(search(personas.agent, "остатки xlsx")) == [ticket]
    assert list(search(personas.member, "screenshot")) == [ticket]
    filed = TicketDocument.objects.get(pk=ticket.pk)
    documents.rebuild(type(ticket).objects.filter(pk=ticket.pk))
    rebuilt = TicketDocument.objects.get(pk=ticket.pk)
    texts = ("subject", "people", "public_text", "staff_text")
    assert [getattr(filed, name) for name in texts] == [getattr(rebuilt, name) for name in texts]
    assert "остатки_склад.xlsx" in filed.public_text


def _texts(ticket_pk: int) -> list[str]:
    document = TicketDocument.objects.get(pk=ticket_pk)
    return [getattr(document, name) for name in ("subject", "people", "public_text", "staff_text")]


def test_a_comment_is_added_to_the_document_as_a_rebuild_would_write_it(
    personas: Personas,
) -> None:
    ticket = services.file_ticket(
        personas.member,
        consultation_draft(subject="Price list"),
        Channel.EMAIL,
        files=[UploadedFile("screenshot.png", ContentFile(b"y"), 1)],
    )
    services.add_comment(ticket, personas.agent, "Проверьте накладные за март.", public=False)
    services.add_comment(
        ticket,
        personas.member,
        "Остатки на складе не сходятся.",
        files=[UploadedFile("остатки_склад.xlsx", ContentFile(b"x"), 1)],
    )
    services.add_comment(ticket, personas.agent, "Second note", public=False)
    appended = _texts(ticket.pk)
    assert appended[3] == "Проверьте накладные за март.\nSecond note"
    assert list(search(personas.agent, "накладной")) == [ticket]
    assert list(search(personas.member, "накладной")) == []
    assert list(search(personas.member, "остатков склада")) == [ticket]
    assert list(search(personas.member, "xlsx")) == [ticket]
    documents.rebuild(type(ticket).objects.filter(pk=ticket.pk))
    assert _texts(ticket.pk) == appended
    assert list(search(personas.agent, "second")) == [ticket]


def test_a_comment_on_a_ticket_without_a_document_rebuilds_it(personas: Personas) -> None:
    ticket = services.file_ticket(personas.member, consultation_draft(subject="Price list"))
    TicketDocument.objects.filter(pk=ticket.pk).delete()
    services.add_comment(ticket, personas.member, "Накладная не проводится.")
    assert list(search(personas.agent, "накладные")) == [ticket]
    assert list(search(personas.agent, "price")) == [ticket]
