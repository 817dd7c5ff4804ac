"""A contact's personal data can be erased everywhere it is written, and the erasure is kept."""

from __future__ import annotations

import base64
import email
import email.header
import quopri
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from secondline import cli
from secondline.mail.models import InboundMessage
from secondline.privacy.erasure import erase_contact, pseudonym
from secondline.privacy.models import Erasure
from secondline.tickets.models import AppendOnlyError, Comment, TicketEvent
from tests.privacy.conftest import inbound

TRACES = ["Marina", "Orlova", "m.orlova", "916", "123-45-67", "1234567"]


def leftovers(text: str) -> list[str]:
    return [trace for trace in TRACES if trace in text]


def test_it_erases_her_from_the_user_row_tickets_comments_and_history(
    marina: Any, her_ticket: Any, personas: Any
) -> None:
    erasure = erase_contact(marina, by=personas.manager, reason="Her letter of 1 December")
    marina.refresh_from_db()
    her_ticket.refresh_from_db()
    assert (marina.username, marina.email) == (
        f"erased-{marina.pk}",
        f"erased-{marina.pk}@erased.invalid",
    )
    assert (marina.first_name, marina.last_name, marina.phone, marina.is_active) == (
        "",
        "",
        "",
        False,
    )
    assert not marina.has_usable_password()
    # the phone's last ten digits, however spaced: the country code may stay
    assert her_ticket.description == "Call [erased] at +7 [erased] or write to [erased]."
    bodies = [comment.body for comment in her_ticket.comments.all()]
    assert bodies[0] == "Hello [erased], we are on it."
    assert not leftovers(" ".join(bodies)) and "I am the responsible one." in bodies
    history = her_ticket.events.values_list("old_value", "new_value", "reason", "reason_params")
    assert not leftovers(" ".join(" ".join(map(str, row)) for row in history))
    assert erasure.counts["comments"] == 2 and erasure.counts["tickets"] == 1
    assert personas.responsible.last_name in str(personas.responsible)  # others are kept


def test_the_record_says_that_it_happened_without_the_data(
    marina: Any, her_ticket: Any, personas: Any
) -> None:
    erasure = erase_contact(marina, by=personas.manager, reason="Her letter of 1 December")
    event = her_ticket.events.get(field="personal_data")
    assert (event.kind, event.is_public, event.actor) == ("other", False, personas.manager)
    assert f"erasure #{erasure.pk}" in event.shown_reason
    saved = Erasure.objects.values().get(pk=erasure.pk)
    # her phone's digits may turn up in an id or the time's microseconds: those are no data
    written = {k: v for k, v in saved.items() if k not in {"id", "created_at"} and k[-3:] != "_id"}
    assert not leftovers(str(written)) and saved["reason"] == "Her letter of 1 December"
    assert saved["erased_by_id"] == personas.manager.pk and saved["contact_id"] == marina.pk


def test_the_record_stays_append_only_after_an_erasure(marina: Any, her_ticket: Any) -> None:
    erase_contact(marina, by=None, reason="Asked by phone")
    comment = Comment.objects.filter(ticket=her_ticket).first()
    assert comment is not None
    comment.body = "rewritten"
    with pytest.raises(AppendOnlyError):
        comment.save()
    with pytest.raises(AppendOnlyError):
        TicketEvent.objects.filter(ticket=her_ticket).delete()


def test_her_emails_lose_their_raw_bytes_and_others_are_redacted(
    marina: Any, her_ticket: Any, personas: Any
) -> None:
    hers = inbound(b"From: Marina Orlova <m.orlova@volga.example>\r\n\r\nHi", marina.email)
    about = b"From: agent@secondline.example\r\n\r\nCC m.orlova@volga.example, see you\r\n"
    other = inbound(about, personas.agent.email, ticket=her_ticket)
    unrelated = inbound(b"From: x@neva.example\r\n\r\nMarina Orlova", "x@neva.example")
    erasure = erase_contact(marina, by=None, reason="Asked by phone")
    hers.refresh_from_db()
    other.refresh_from_db()
    assert bytes(hers.raw) == b"" and hers.sender == marina.email
    assert bytes(other.raw) == b"From: agent@secondline.example\r\n\r\nCC [erased], see you\r\n"
    assert bytes(InboundMessage.objects.get(pk=unrelated.pk).raw).endswith(b"Marina Orlova")
    assert erasure.counts["raw_emails_removed"] == 1
    assert erasure.counts["raw_emails_redacted"] == 1


def test_it_refuses_staff_an_empty_reason_and_a_second_erasure(marina: Any, personas: Any) -> None:
    with pytest.raises(ValidationError, match="deactivate staff"):
        erase_contact(personas.agent, by=None, reason="x")
    with pytest.raises(ValidationError, match="Say why"):
        erase_contact(marina, by=None, reason="  ")
    erase_contact(marina, by=None, reason="first")
    with pytest.raises(ValidationError, match="already"):
        erase_contact(marina, by=None, reason="again")
    assert Erasure.objects.count() == 1


def test_the_command_erases_by_address(marina: Any, her_ticket: Any, capsys: Any) -> None:
    call_command("erase_contact", "M.Orlova@volga.example", reason="Letter")
    assert f"Erasure #{Erasure.objects.get().pk}: erased-{marina.pk}" in capsys.readouterr().out
    assert Erasure.objects.get().erased_by is None
    with pytest.raises(CommandError, match="No user has the address"):
        call_command("erase_contact", "nobody@example.com", reason="x")
    marina.refresh_from_db()
    with pytest.raises(CommandError, match="already"):
        call_command("erase_contact", marina.email, reason="x")


def test_people_type_the_command_with_a_hyphen(monkeypatch: Any) -> None:
    """``secondline erase-contact`` runs the ``erase_contact`` command (run in-process, the
    real one would close the test's database connection)."""
    ran: list[list[str]] = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", ran.append)
    assert cli.main(["erase-contact", "a@b.example", "--reason", "x"]) == 0
    assert cli.main(["export-organization", "Volga", "out.json"]) == 0
    assert [args[1] for args in ran] == ["erase_contact", "export_organization"]


def test_the_back_office_action_asks_why_then_erases(
    admin_client: Any, marina: Any, her_ticket: Any
) -> None:
    url = "/admin/accounts/user/"
    chosen = {"action": "erase_personal_data", "_selected_action": [marina.pk]}
    asked = admin_client.post(url, chosen)
    assert asked.status_code == 200 and b"id_reason" in asked.content
    assert not Erasure.objects.exists()
    done = admin_client.post(url, {**chosen, "confirm": "1", "reason": "Her letter"})
    assert done.status_code == 302
    erasure = Erasure.objects.get()
    assert (erasure.contact, erasure.erased_by.username, erasure.reason) == (
        marina,
        "boss",
        "Her letter",
    )
    assert admin_client.get(f"/admin/privacy/erasure/{erasure.pk}/change/").status_code == 200


def test_an_erased_contact_cannot_sign_in(client: Any, marina: Any) -> None:
    """Not by her old name, which erasure replaces, nor by the pseudonym with her old password;
    and the account stays shut should someone give it a password again."""
    client.post("/login/", {"username": "member", "password": "pw"})
    assert client.get("/tickets/").status_code == 200
    client.logout()
    erase_contact(marina, by=None, reason="Asked")
    for username in ("member", pseudonym(marina)[0]):
        client.post("/login/", {"username": username, "password": "pw"})
        assert client.get("/tickets/").status_code == 302, username
    marina.refresh_from_db()
    assert not marina.has_usable_password()
    marina.set_password("pw")
    marina.save()
    client.post("/login/", {"username": pseudonym(marina)[0], "password": "pw"})
    assert client.get("/tickets/").status_code == 302


def _encoded_email(name: str, address: str) -> bytes:
    """An agent's email on her ticket that names her only in encoded form: an RFC 2047 display
    name, a base64 part, a quoted-printable part (with a soft line break inside the name) and
    an 8-bit koi8-r part."""
    word = base64.b64encode(name.encode()).decode()
    other = base64.b64encode("Иванов, Пётр".encode()).decode()
    qp_name = quopri.encodestring(name.encode()).decode()
    cut = qp_name.index("=", len(qp_name) // 2)  # a soft line break between two escapes
    lines = [
        "From: agent@secondline.example",
        f"Cc: =?utf-8?B?{other}?= <p.ivanov@volga.example>, =?utf-8?B?{word}?= <{address}>",
        f"Subject: =?utf-8?B?{base64.b64encode(f'Звонок: {name}'.encode()).decode()}?=",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(f"Говорил с {name}, всё хорошо.".encode()).decode().strip(),
        "--b1",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        f"<p>Signed: {qp_name[:cut]}=",
        f"{qp_name[cut:]}</p>",
        "--b1",
        "Content-Type: text/plain; charset=koi8-r",
        "Content-Transfer-Encoding: 8bit",
        "",
    ]
    head = "\r\n".join(lines).encode() + b"\r\n"
    return head + f"Подпись: {name}".encode("koi8-r") + b"\r\n--b1--\r\n"


def test_her_name_is_erased_inside_encoded_headers_and_parts(
    marina: Any, her_ticket: Any, personas: Any
) -> None:
    marina.first_name, marina.last_name = "Марина", "Орлова"
    marina.save()
    raw = _encoded_email("Марина Орлова", marina.email)
    assert "Марина".encode() not in raw  # nothing to find in the plain bytes
    message = inbound(raw, personas.agent.email, ticket=her_ticket)
    erasure = erase_contact(marina, by=None, reason="Her letter")
    message.refresh_from_db()
    redacted = email.message_from_bytes(bytes(message.raw))
    text = " ".join(
        [
            str(email.header.make_header(email.header.decode_header(redacted[h])))
            for h in ("Cc", "Subject")
        ]
        + [
            part.get_payload(decode=True).decode(part.get_content_charset())
            for part in redacted.walk()
            if not part.is_multipart()
        ]
    )
    for trace in ("Марина", "Орлова", "m.orlova"):
        assert trace not in text
    assert "Говорил с [erased], всё хорошо." in text
    assert "<p>Signed: [erased]</p>" in text and "Подпись: [erased]" in text
    assert "Звонок: [erased]" in text
    assert "Иванов, Пётр <p.ivanov@volga.example>, [erased] <[erased]>" in text  # the rest stays
    assert redacted.get_content_type() == "multipart/mixed" and len(redacted.get_payload()) == 3
    assert bytes(message.raw).startswith(b"From: agent@secondline.example\r\n")
    assert erasure.counts["raw_emails_redacted"] == 1


def test_an_email_that_does_not_name_her_keeps_its_bytes_exactly(
    marina: Any, her_ticket: Any, personas: Any
) -> None:
    raw = _encoded_email("Пётр Иванов", "p.ivanov@volga.example")
    message = inbound(raw, personas.agent.email, ticket=her_ticket)
    erase_contact(marina, by=None, reason="Her letter")
    message.refresh_from_db()
    assert bytes(message.raw) == raw


def test_her_name_is_erased_from_raw_utf8_headers(
    marina: Any, her_ticket: Any, personas: Any
) -> None:
    marina.first_name, marina.last_name = "Марина", "Орлова"
    marina.save()
    raw = (
        "From: agent@secondline.example\r\n"
        "To: Пётр Иванов <p.ivanov@volga.example>, Марина Орлова <office@volga.example>\r\n"
        "Subject: Звонок Марина Орлова\r\n\r\nHi\r\n"
    ).encode()
    message = inbound(raw, personas.agent.email, ticket=her_ticket)
    erase_contact(marina, by=None, reason="Her letter")
    message.refresh_from_db()
    assert (
        bytes(message.raw)
        == (
            "From: agent@secondline.example\r\n"
            "To: Пётр Иванов <p.ivanov@volga.example>, [erased] <office@volga.example>\r\n"
            "Subject: Звонок [erased]\r\n\r\nHi\r\n"
        ).encode()
    )
