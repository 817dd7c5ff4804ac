"""Polling a real IMAP server (dovecot): messages are flagged or moved only once settled."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from imap_tools import MailBoxUnencrypted

from secondline.mail import imap
from secondline.mail.models import InboundMessage, Mailbox
from secondline.tickets.models import Ticket
from tests.mail.conftest import eml
from tests.mail.test_intake import plain

Status = InboundMessage.Status
pytestmark = pytest.mark.django_db


def mailbox_for(server, **overrides) -> Mailbox:
    values = {
        "name": "support",
        "host": "127.0.0.1",
        "port": server.port,
        "security": Mailbox.Security.NONE,
        "username": server.user,
        "password": server.password,
    }
    values.update(overrides)
    return Mailbox.objects.create(**values)


def unseen(server, folder: str = "INBOX") -> int:
    with MailBoxUnencrypted("127.0.0.1", server.port).login(
        server.user, server.password, folder
    ) as box:
        return len(box.uids("UNSEEN"))


def count(server, folder: str) -> int:
    with MailBoxUnencrypted("127.0.0.1", server.port).login(
        server.user, server.password, folder
    ) as box:
        return len(box.uids("ALL"))


def test_it_polls_and_flags_what_it_settled(dovecot, personas) -> None:
    member = personas.member
    dovecot.deliver(plain(member.email, body="first"))
    dovecot.deliver(eml("koi8r-incident.eml", sender=member.email))
    dovecot.deliver(plain("stranger@elsewhere.example"))
    box = mailbox_for(dovecot)
    result = imap.poll(box)
    assert result.error == ""
    assert result.fetched == 3
    assert result.statuses == {Status.TICKET: 2, Status.QUARANTINED: 1}
    assert unseen(dovecot) == 0
    assert {m.source for m in InboundMessage.objects.all()} == {"imap:support"}
    assert imap.poll(box).fetched == 0  # nothing is fetched twice


def test_a_message_that_could_not_be_settled_stays_unseen(dovecot, personas, monkeypatch) -> None:
    from secondline.mail import intake

    dovecot.deliver(plain(personas.member.email))
    monkeypatch.setattr(
        intake, "process", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("db"))
    )
    assert imap.poll(mailbox_for(dovecot)).statuses == {Status.RECEIVED: 1}
    assert unseen(dovecot) == 1
    monkeypatch.undo()
    call_command("mail", "poll")  # the next poll settles it, once
    assert unseen(dovecot) == 0
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().status == Status.TICKET


def test_it_can_move_processed_mail_to_a_folder(dovecot, personas) -> None:
    dovecot.deliver(plain(personas.member.email))
    box = mailbox_for(
        dovecot, processed_action=Mailbox.ProcessedAction.MOVE, processed_folder="Done"
    )
    assert imap.poll(box).fetched == 1
    assert count(dovecot, "INBOX") == 0
    assert count(dovecot, "Done") == 1


def test_a_wrong_password_is_reported_not_raised(dovecot, db) -> None:
    box = mailbox_for(dovecot, password="wrong")
    result = imap.poll(box)
    assert result.error
    box.refresh_from_db()
    assert box.last_error and box.poll_lease_until is None
