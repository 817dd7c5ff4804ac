"""What the desk writes into an emailed ticket or comment for its contact (a placeholder for
what an email cannot carry, the note on a cut text, an empty body) is in the contact's language,
whatever language the intake itself runs in."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from secondline.mail import intake, quarantine
from secondline.mail.models import InboundMessage
from secondline.tickets.rules import TEXT_LIMIT
from tests.factories import file_ticket
from tests.mail.conftest import signed
from tests.mail.test_intake import plain

CUT_RU = "[Текст обрезан: полностью он приложен файлом message.txt.]"


def russian(user: Any) -> Any:
    user.language = "ru"
    user.save(update_fields=["language"])
    return user


def test_an_empty_email_reads_as_empty_in_russian(member: Any) -> None:
    outcome = intake.ingest_message(plain(russian(member).email, subject="", body=""))
    ticket = outcome.message.result_ticket
    assert (ticket.subject, ticket.description) == ("(без темы)", "(пустое письмо)")


def test_what_an_emailed_incident_lacks_is_said_in_russian(member: Any) -> None:
    raw = plain(russian(member).email, subject="[Инцидент] Не проводится", body="Ошибка 1С")
    ticket = intake.ingest_message(raw).message.result_ticket
    assert ticket.impact == ticket.steps_to_reproduce == "(не указано в письме)"


def test_an_english_contact_reads_english_when_the_intake_runs_in_russian(member: Any) -> None:
    with translation.override("ru"):
        ticket = intake.ingest_message(plain(member.email, subject="[Incident] Down")).message
    assert ticket.result_ticket.impact == "(not given in the email)"


def test_the_note_on_a_cut_text_is_in_russian(member: Any) -> None:
    raw = plain(russian(member).email, subject="Журнал", body="я" * (TEXT_LIMIT + 10))
    ticket = intake.ingest_message(raw).message.result_ticket
    assert ticket.description.endswith(CUT_RU)
    assert ticket.attachments.filter(filename="message.txt").exists()


def test_an_empty_reply_reads_as_empty_in_russian(member: Any) -> None:
    ticket = file_ticket(russian(member))
    raw = signed(
        plain(member.email, subject=f"Re: [{ticket.number}] Price lists", body=""), ticket, member
    )
    comment = intake.ingest_message(raw).message.result_comment
    assert comment.body == "(пустое письмо)"


def test_a_quarantined_long_email_filed_by_an_agent_keeps_its_whole_text(
    member: Any, agent: Any
) -> None:
    """An agent files it for a Russian contact: cut as the intake cuts it, the whole attached."""
    stranger = plain("someone@elsewhere.example", subject="Журнал", body="я" * (TEXT_LIMIT + 10))
    message = intake.ingest_message(stranger).message
    assert message.status == InboundMessage.Status.QUARANTINED
    ticket = quarantine.turn_into_ticket(message, russian(member), agent)
    assert ticket.description.endswith(CUT_RU)
    assert ticket.attachments.filter(filename="message.txt").exists()
