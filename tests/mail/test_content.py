"""What a message's content becomes (issue 15, Build 5): encrypted mail is marked as such,
uuencoded files become attachments, Gmail's Russian quote line is cut. Messages made here."""

from __future__ import annotations

import binascii

from secondline.mail import intake
from secondline.mail.models import InboundMessage
from secondline.mail.parse import parse
from secondline.tickets.models import TicketEvent
from tests.factories import file_ticket

Status = InboundMessage.Status

PGP_MIME = (
    b"From: {sender}\r\nTo: support@secondline.example\r\nSubject: Secret logs\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="e"\r\n'
    b"\r\n--e\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n"
    b'\r\n--e\r\nContent-Type: application/octet-stream; name="encrypted.asc"\r\n\r\n'
    b"-----BEGIN PGP MESSAGE-----\r\n\r\nhQEMA8x1c2VjcmV0\r\n=abcd\r\n"
    b"-----END PGP MESSAGE-----\r\n--e--\r\n"
)
SMIME = (
    b"From: {sender}\r\nTo: support@secondline.example\r\nSubject: Secret logs\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="smime.p7m"\r\n\r\nMIAGCSqGSIb3DQEHA6CAMIA=\r\n'
)


def test_pgp_mime_is_marked_encrypted_with_the_encrypted_part_kept(member) -> None:
    raw = PGP_MIME.replace(b"{sender}", member.email.encode())
    parsed = parse(raw)
    assert parsed.encrypted == "PGP/MIME"
    assert [a.filename for a in parsed.attachments] == ["encrypted.asc"]
    assert b"BEGIN PGP MESSAGE" in parsed.attachments[0].data
    ticket = intake.ingest_message(raw).message.result_ticket
    assert ticket.description.startswith("(encrypted message: PGP/MIME")
    assert "(empty message)" not in ticket.description
    assert [a.filename for a in ticket.attachments.all()] == ["encrypted.asc"]
    note = ticket.events.get(kind=TicketEvent.Kind.OTHER, is_public=False)
    assert "encrypted" in note.reason


def test_smime_is_marked_encrypted_on_a_comment_too(member) -> None:
    ticket = file_ticket(member)
    raw = SMIME.replace(b"{sender}", member.email.encode()).replace(
        b"Secret logs", f"Re: [{ticket.number}] logs".encode()
    )
    assert parse(raw).encrypted == "S/MIME"
    comment = intake.ingest_message(raw).message.result_comment
    assert comment.body.startswith("(encrypted message: S/MIME")
    assert [a.filename for a in comment.attachments.all()] == ["smime.p7m"]


def test_an_inline_uuencoded_file_becomes_an_attachment(member) -> None:
    data = bytes(range(256)) * 8
    lines = [binascii.b2a_uu(data[i : i + 45]).decode().rstrip("\n") for i in range(0, 2048, 45)]
    body = "See the screenshot:\r\n\r\nbegin 644 screen shot.png\r\n"
    body += "\r\n".join(lines) + "\r\n`\r\nend\r\n\r\nThanks, Ivan\r\n"
    raw = (
        f"From: {member.email}\r\nTo: support@secondline.example\r\nSubject: Screen\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n" + body
    ).encode()
    parsed = parse(raw)
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("screen shot.png", "image/png")
    ]
    assert parsed.attachments[0].data == data
    assert "begin 644" not in parsed.text and "Thanks, Ivan" in parsed.text
    ticket = intake.ingest_message(raw).message.result_ticket
    assert ticket.attachments.get().file.read() == data
    assert len(ticket.description) < 200


def test_gmails_russian_quote_line_without_a_verb_is_cut(member) -> None:
    ticket = file_ticket(member)
    body = (
        "Спасибо, теперь всё работает.\r\n\r\n"
        "6 дек. 2026 г., в 10:15, Иван Петров <ivan@x.example>:\r\n\r\n"
        "> Попробуйте перезапустить службу.\r\n> Инженер\r\n"
    )
    raw = (
        f"From: {member.email}\r\nTo: support@secondline.example\r\n"
        f"Subject: Re: [{ticket.number}] ok\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\n" + body
    ).encode()
    comment = intake.ingest_message(raw).message.result_comment
    assert comment.body == "Спасибо, теперь всё работает."
