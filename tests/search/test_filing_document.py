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
