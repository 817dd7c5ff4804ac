"""Inbound mail limits: size, number of MIME parts and depth, at every entry point."""

from __future__ import annotations

import hashlib
import sys

import pytest
from django.core import mail
from django.core.management import call_command

from secondline.mail import batches, imap, intake, quarantine
from secondline.mail.models import InboundMessage, SenderReply
from secondline.mail.parse import parse
from secondline.tickets.models import TicketEvent
from tests.mail.conftest import signed
from tests.mail.test_commands import Stdin
from tests.mail.test_imap import mailbox_for, unseen
from tests.mail.test_intake import plain

Status = InboundMessage.Status
LIMIT = 20_000
KEEP = 2_000


@pytest.fixture
def small_limits(settings) -> None:
    settings.MAIL_MAX_MESSAGE_BYTES = LIMIT
    settings.MAIL_OVERSIZE_KEEP_BYTES = KEEP


def sized(sender: str, size: int, subject: str = "Logs") -> bytes:
    """A plain message of exactly ``size`` bytes."""
    raw = plain(sender, subject=subject, body="")
    return raw + b"x" * (size - len(raw))


def many_parts(sender: str, count: int) -> bytes:
    """A text body and ``count`` small attachments."""
    head = (
        f"From: {sender}\r\nTo: support@secondline.example\r\nSubject: Many files\r\n"
        'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nSee the files.\r\n"
    ).encode()
    parts = b"".join(
        b"--B\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="f%d.txt"\r\n\r\nfile %d\r\n' % (i, i)
        for i in range(count)
    )
    return head + parts + b"--B--\r\n"


def nested(sender: str, depth: int) -> bytes:
    """``depth`` multiparts each inside the last, a text at the bottom."""
    head = f"From: {sender}\r\nSubject: Deep\r\nMIME-Version: 1.0\r\n".encode()
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
        for i in range(depth)
    )
    closing = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return head + opening + b"Content-Type: text/plain\r\n\r\nbottom\r\n" + closing


def notes(ticket) -> list[str]:
    internal = TicketEvent.objects.filter(
        ticket=ticket, kind=TicketEvent.Kind.OTHER, is_public=False
    ).order_by("pk")
    return [event.shown_reason for event in internal]


def test_a_message_just_under_the_size_limit_opens_a_ticket(member, small_limits) -> None:
    raw = sized(member.email, LIMIT)
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.TICKET
    assert bytes(outcome.message.raw) == raw
    assert not outcome.message.is_truncated()


def test_a_message_just_over_the_size_limit_is_quarantined_with_its_beginning(
    member, small_limits, sent
) -> None:
    raw = sized(member.email, LIMIT + 1)
    with sent():
        outcome = intake.ingest_message(raw, source="pipe")
    message = InboundMessage.objects.get(pk=outcome.message.pk)
    assert outcome.status == Status.QUARANTINED
    assert bytes(message.raw) == raw[:KEEP]
    assert message.size == LIMIT + 1
    assert message.sha256 == hashlib.sha256(raw).hexdigest()
    assert (message.sender, message.subject) == (member.email, "Logs")
    assert "over the limit" in message.error
    assert message.is_truncated()
    assert mail.outbox == [] and not SenderReply.objects.exists()  # no automatic answer
    assert intake.ingest_message(raw).status == Status.DUPLICATE  # the whole hash is the key
    assert quarantine.retry(message) == Status.QUARANTINED  # retrying cannot file half of it


def test_an_agent_may_file_what_is_kept_of_an_oversized_message(
    member, agent, small_limits
) -> None:
    outcome = intake.ingest_message(sized(member.email, LIMIT * 2))
    ticket = quarantine.turn_into_ticket(outcome.message, member, agent)
    assert any("over the size limit" in note for note in notes(ticket))


def test_the_importer_applies_the_size_limit(member, small_limits) -> None:
    under, over = sized(member.email, LIMIT, "Under"), sized(member.email, LIMIT + 1, "Over")
    outcomes = list(batches.ingest_many([(under, "import:a"), (over, "import:b")]))
    assert [o.status for o in outcomes] == [Status.TICKET, Status.QUARANTINED]
    stored = InboundMessage.objects.get(subject="Over")
    assert (len(stored.raw), stored.size) == (KEEP, LIMIT + 1)
    assert stored.sha256 == hashlib.sha256(over).hexdigest()


def test_the_pipe_holds_no_more_than_the_limit(member, small_limits, monkeypatch) -> None:
    raw = sized(member.email, LIMIT * 50)
    monkeypatch.setattr(sys, "stdin", Stdin(raw))
    call_command("mail", "receive")
    message = InboundMessage.objects.get()
    assert message.status == Status.QUARANTINED
    assert (len(message.raw), message.size) == (KEEP, LIMIT * 50)
    assert message.sha256 == hashlib.sha256(raw).hexdigest()


def test_only_the_first_parts_of_a_2000_part_message_are_read(member) -> None:
    raw = many_parts(member.email, 2000)
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.TICKET
    ticket = outcome.message.result_ticket
    assert ticket.description.startswith("See the files.")
    assert ticket.attachments.count() == 199  # the text and 199 files: 200 parts
    assert notes(ticket) == [
        "Parts of the email over the limit of 200 were not read (1801); they are kept in the "
        f"original email (inbound message #{outcome.message.pk})."
    ]
    assert bytes(outcome.message.raw) == raw  # nothing is lost


def test_the_importer_applies_the_part_limit(member, settings) -> None:
    settings.MAIL_MAX_PARTS = 5
    outcome = next(batches.ingest_many([(many_parts(member.email, 2000), "import:x")]))
    assert outcome.message.result_ticket.attachments.count() == 4
    assert "not read (1996)" in notes(outcome.message.result_ticket)[0]


def test_a_reply_notes_the_parts_left_out(member, settings) -> None:
    ticket = intake.ingest_message(plain(member.email)).message.result_ticket
    settings.MAIL_MAX_PARTS = 3
    raw = many_parts(member.email, 10).replace(
        b"Subject: Many files", f"Subject: Re: [{ticket.number}] Price lists".encode()
    )
    raw = signed(raw, ticket, member)
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.COMMENT
    assert outcome.message.result_comment.attachments.count() == 2
    assert "not read (8)" in notes(ticket)[0]


def test_a_deep_tree_is_read_to_the_depth_limit(member) -> None:
    parsed = parse(nested(member.email, 300))
    assert len(parsed.attachments) == 1  # below the depth limit, kept whole
    assert any("too deep" in defect for defect in parsed.defects)
    assert intake.ingest_message(nested(member.email, 300)).status == Status.TICKET


def test_a_tree_too_deep_to_parse_is_quarantined(member) -> None:
    raw = nested(member.email, 1500)
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.QUARANTINED
    assert "nested too deeply" in outcome.message.error
    assert outcome.message.sender == member.email
    assert bytes(outcome.message.raw) == raw
    assert next(batches.ingest_many([(raw + b"\r\n", "import:x")])).status == Status.QUARANTINED


def test_nested_messages_are_bounded_too(member) -> None:
    inner = b"From: a@b.example\r\nSubject: fwd\r\nContent-Type: message/rfc822\r\n\r\n"
    raw = plain(member.email).replace(b"text/plain; charset=utf-8", b"message/rfc822")
    parsed = parse(raw.replace(b"How do we set it up?", inner * 1500))
    assert parsed.too_deep
    assert parse(raw.replace(b"How do we set it up?", inner * 200)).attachments  # one .eml


def test_imap_downloads_only_the_header_of_an_oversized_message(
    dovecot, personas, small_limits
) -> None:
    member = personas.member
    dovecot.deliver(sized(member.email, LIMIT - 100, "Under"))
    dovecot.deliver(sized(member.email, LIMIT * 5, "Over"))
    box = mailbox_for(dovecot)
    result = imap.poll(box)
    assert result.error == ""
    assert result.statuses == {Status.TICKET: 1, Status.QUARANTINED: 1}
    over = InboundMessage.objects.get(subject="Over")
    assert over.size >= LIMIT * 5  # the server's size (its line ends may differ)
    assert len(over.raw) < 500 and bytes(over.raw).endswith(b"\r\n\r\n")  # the header only
    assert "stays in the mailbox “support”" in over.error
    assert unseen(dovecot) == 0  # flagged: on the server still, and not fetched again
    assert imap.poll(box).fetched == 0


def test_the_notes_read_in_russian(member, settings) -> None:
    from django.utils import translation

    settings.MAIL_MAX_PARTS = 3
    with translation.override("ru"):
        ticket = intake.ingest_message(many_parts(member.email, 10)).message.result_ticket
        settings.MAIL_MAX_MESSAGE_BYTES = 100
        over = intake.ingest_message(plain(member.email, body="x" * 200))
    with translation.override("ru"):  # worded for the agent who reads them
        assert notes(ticket)[0].startswith("Части письма сверх лимита в 3 не прочитаны (8)")
    assert notes(ticket)[0].startswith("Parts of the email over the limit of 3")
    assert over.message.error.startswith("Размер письма")
