"""A description or comment as long as a text may be (``rules.TEXT_LIMIT``, about 200 KB of
Cyrillic) is folded on the ticket page (desk and portal) and cut in the emails, which link to
the whole text in the reader's language."""

from __future__ import annotations

from typing import Any

from django.core import mail
from django.test import Client

from secondline.tickets import rules, services
from tests.factories import file_ticket, incident_draft

LINE = "Строка журнала с ошибкой проведения отгрузки. " * 24 + "\n"
HUGE = LINE * (rules.TEXT_LIMIT // len(LINE))


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_ticket_page_folds_a_huge_description_and_comment(personas: Any) -> None:
    ticket = file_ticket(personas.member, incident_draft(description=HUGE))
    services.add_comment(ticket, personas.agent, HUGE)
    for person in (personas.agent, personas.member):
        page = signed_in(person).get(f"/tickets/{ticket.pk}/").content.decode()
        assert page.count('<details class="folded">') == 2, person
        assert "Show all (" in page and "folded-preview" in page


def test_a_short_text_is_not_folded(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    page = signed_in(personas.agent).get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'class="folded"' not in page
    assert f'<div class="description">{ticket.description}</div>' in page


def test_an_email_quotes_a_few_kb_and_links_to_the_rest(personas: Any, sent: Any) -> None:
    ticket = file_ticket(personas.member)
    personas.member.language = "ru"
    personas.member.save()
    with sent():
        services.add_comment(ticket, personas.agent, HUGE)
    [message] = [m for m in mail.outbox if m.to == [personas.member.email]][-1:]
    assert len(message.body.encode()) < 16_000
    link = f"{ticket.get_absolute_url()}"
    assert "… полный текст: http" in message.body and link in message.body
    html = message.alternatives[0][0]
    assert len(html.encode()) < 24_000 and "полный текст" in html


def test_a_short_comment_reaches_the_email_whole(personas: Any, sent: Any) -> None:
    ticket = file_ticket(personas.member)
    with sent():
        services.add_comment(ticket, personas.agent, "Short answer.")
    message = [m for m in mail.outbox if m.to == [personas.member.email]][-1]
    assert "Short answer." in message.body and "read the whole text" not in message.body


def test_a_file_with_a_long_cyrillic_name_is_attached_with_its_name_whole(personas: Any) -> None:
    """200 Cyrillic letters are 400 bytes, past a file system's 255 a name: the stored file's
    name is cut (common.files.stored_name), the name shown is the one given."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from secondline.tickets.models import Attachment

    ticket = file_ticket(personas.member)
    name = "отчёт" * 40 + ".txt"
    upload = SimpleUploadedFile(name, b"log", content_type="text/plain")
    client = signed_in(personas.member)
    client.raise_request_exception = False
    answer = client.post(f"/tickets/{ticket.pk}/reply/", {"body": "see", "attachments": [upload]})
    assert answer.status_code == 302
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.filename == name
    assert attachment.file.name.endswith(".txt")
    assert attachment.file.read() == b"log"
