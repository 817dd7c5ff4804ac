"""The poller against a real IMAP server (dovecot) when things go wrong: mail someone read in
a mail client, a message the server will not hand over or let us mark, an empty answer, a
refused sign-in, an inactive mailbox. Nothing is lost, nothing is filed twice, and one bad
message never holds back the others."""

from __future__ import annotations

import datetime as dt
import imaplib
import itertools
import os
import time

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from imap_tools import MailBoxUnencrypted

from secondline.mail import imap, imap_commands, intake
from secondline.mail.models import InboundMessage, Mailbox
from secondline.tickets.models import Ticket
from tests.mail.test_imap import mailbox_for, unseen
from tests.mail.test_intake import plain

Status = InboundMessage.Status
pytestmark = pytest.mark.django_db


def flags_on_server(server) -> dict[str, set[str]]:
    """Each message's flags, by UID."""
    with MailBoxUnencrypted("127.0.0.1", server.port).login(server.user, server.password) as box:
        return {
            str(m.uid): set(m.flags) for m in box.fetch("ALL", mark_seen=False, headers_only=True)
        }


def read_in_a_mail_client(server) -> None:
    with MailBoxUnencrypted("127.0.0.1", server.port).login(server.user, server.password) as box:
        for uid in box.uids("ALL"):
            assert box.client.uid("STORE", uid, "+FLAGS", "(\\Seen)")[0] == "OK"


@pytest.fixture
def refuse_fetch(monkeypatch):
    """The server answers NO to FETCH of the given UIDs' bodies (Exchange's [SERVERBUG])."""
    refused: set[str] = set()
    real = imaplib.IMAP4.uid

    def uid(self, command, *args):
        if command.lower() == "fetch" and "BODY" in str(args[-1]).upper() and args[0] in refused:
            return "NO", [b"[SERVERBUG] Internal error occurred"]
        return real(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", uid)
    return refused


def subjects() -> set[str]:
    return set(InboundMessage.objects.values_list("subject", flat=True))


# -- what the poll asks for ----------------------------------------------------------------------


def test_mail_someone_read_in_a_mail_client_is_filed_and_marked(dovecot, member) -> None:
    dovecot.deliver(plain(member.email, subject="Read long before we were set up"))
    years_ago = time.time() - 2 * 365 * 86400
    for path in (dovecot.maildir / "new").iterdir():
        os.utime(path, (years_ago, years_ago))  # Dovecot's INTERNALDATE of a Maildir file
    dovecot.deliver(plain(member.email, subject="Server down"))
    read_in_a_mail_client(dovecot)
    box = mailbox_for(dovecot)
    result = imap.poll(box)
    assert (result.error, result.statuses) == ("", {Status.TICKET: 1})
    assert subjects() == {"Server down"}
    assert flags_on_server(dovecot) == {"1": {"\\Seen"}, "2": {"\\Seen", imap.KEYWORD}}
    assert imap.poll(box).fetched == 0


def test_mail_filed_before_the_upgrade_comes_back_once_as_a_duplicate(dovecot, member) -> None:
    raw = plain(member.email, subject="Filed by the old poller")
    intake.ingest_message(raw, "imap:support")
    dovecot.deliver(raw)
    read_in_a_mail_client(dovecot)  # the old poller flagged it \Seen, and nothing else
    box = mailbox_for(dovecot)
    assert imap.poll(box).statuses == {Status.DUPLICATE: 1}
    assert imap.poll(box).fetched == 0
    assert Ticket.objects.count() == 1


def test_a_server_that_keeps_no_new_keywords_is_asked_for_unseen(
    dovecot, member, monkeypatch
) -> None:
    monkeypatch.setattr(imap, "keywords_allowed", lambda box: False)
    dovecot.deliver(plain(member.email, subject="New"))
    box = mailbox_for(dovecot)
    assert imap.poll(box).fetched == 1
    assert flags_on_server(dovecot) == {"1": {"\\Seen"}}
    assert imap.poll(box).fetched == 0


# -- one message never holds back the others ------------------------------------------------------


def test_a_message_the_server_refuses_is_reported_and_the_rest_come_in(
    dovecot, member, refuse_fetch
) -> None:
    dovecot.deliver(plain(member.email, subject="Corrupt on the server", body="a"))
    dovecot.deliver(plain(member.email, subject="Site down", body="b"))
    refuse_fetch.add("1")
    box = mailbox_for(dovecot)
    result = imap.poll(box)
    assert (result.fetched, list(result.failed)) == (1, ["1"])
    assert result.error.startswith("UID 1: MailboxFetchError") and "SERVERBUG" in result.error
    box.refresh_from_db()
    assert box.last_error == result.error and box.failing_uids == ["1"]
    assert subjects() == {"Site down"}
    refuse_fetch.clear()  # the server is repaired
    assert imap.poll(box).statuses == {Status.TICKET: 1}
    assert unseen(dovecot) == 0
    box.refresh_from_db()
    assert (box.last_error, box.failing_uids) == ("", [])


def test_messages_that_keep_failing_come_after_new_mail(dovecot, member, refuse_fetch) -> None:
    for n in range(4):
        dovecot.deliver(plain(member.email, subject=f"Problem {n}", body=f"body {n}"))
    refuse_fetch.update({"1", "2"})
    box = mailbox_for(dovecot)
    assert imap.poll(box, limit=2).failed.keys() == {"1", "2"}
    box.refresh_from_db()
    second = imap.poll(box, limit=2)  # 1 and 2 go to the back of the queue
    assert (second.fetched, second.failed) == (2, {})
    assert subjects() == {"Problem 2", "Problem 3"}
    box.refresh_from_db()
    assert box.failing_uids == ["1", "2"]
    refuse_fetch.clear()
    assert imap.poll(box, limit=2).fetched == 2
    assert Ticket.objects.count() == 4


def test_a_message_that_could_not_be_marked_does_not_stop_the_poll(
    dovecot, member, monkeypatch
) -> None:
    dovecot.deliver(plain(member.email, subject="First", body="a"))
    dovecot.deliver(plain(member.email, subject="Second", body="b"))
    real = imap_commands._uid

    def refuse_first_store(box, command, *args):
        if command == "STORE" and args[0] == "1":
            raise imap_commands.CommandFailed("UID STORE: NO [SERVERBUG]")
        return real(box, command, *args)

    monkeypatch.setattr(imap_commands, "_uid", refuse_first_store)
    box = mailbox_for(dovecot)
    result = imap.poll(box)
    assert (result.fetched, list(result.failed)) == (2, ["1"])
    assert unseen(dovecot) == 1
    monkeypatch.undo()
    box.refresh_from_db()
    assert imap.poll(box).statuses == {Status.DUPLICATE: 1}  # stored already: filed once
    assert (unseen(dovecot), Ticket.objects.count()) == (0, 2)


def test_a_lost_connection_stops_the_poll(dovecot, member, monkeypatch) -> None:
    dovecot.deliver(plain(member.email, subject="First", body="a"))
    dovecot.deliver(plain(member.email, subject="Second", body="b"))
    real = imaplib.IMAP4.uid

    def lost(self, command, *args):
        if command.lower() == "fetch" and "BODY" in str(args[-1]).upper():
            raise imaplib.IMAP4.abort("socket error: EOF")
        return real(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", lost)
    result = imap.poll(mailbox_for(dovecot))
    assert (result.fetched, result.failed) == (0, {})
    assert result.error == "abort: socket error: EOF"
    monkeypatch.undo()
    assert unseen(dovecot) == 2


def test_an_empty_answer_is_neither_stored_nor_marked(dovecot, member, monkeypatch) -> None:
    dovecot.deliver(plain(member.email, subject="Real request", body="please help"))
    real = imaplib.IMAP4.uid

    def empty_body(self, command, *args):
        typ, data = real(self, command, *args)
        if command.lower() == "fetch" and "BODY" in str(args[-1]).upper():
            data = [(item[0], b"") if isinstance(item, tuple) else item for item in data]
        return typ, data

    monkeypatch.setattr(imaplib.IMAP4, "uid", empty_body)
    box = mailbox_for(dovecot)
    result = imap.poll(box)
    assert (result.fetched, list(result.failed)) == (0, ["1"])
    assert "no content" in result.error
    assert (InboundMessage.objects.count(), unseen(dovecot)) == (0, 1)
    monkeypatch.undo()
    box.refresh_from_db()
    assert imap.poll(box).statuses == {Status.TICKET: 1}
    assert InboundMessage.objects.get().subject == "Real request"


# -- a refused sign-in ----------------------------------------------------------------------------


@pytest.fixture
def sign_ins(monkeypatch) -> list[dt.datetime]:
    """When the poller connected."""
    times: list[dt.datetime] = []
    real = imap.connect

    def spy(mailbox, **kwargs):
        times.append(timezone.now())
        return real(mailbox, **kwargs)

    monkeypatch.setattr(imap, "connect", spy)
    return times


def test_a_refused_sign_in_waits_twice_as_long_each_time(dovecot, db, sign_ins) -> None:
    box = mailbox_for(dovecot, password="changed-by-it")
    start = timezone.now().replace(microsecond=0)
    for minute in range(91):  # the worker's beat, once a minute
        with time_machine.travel(start + dt.timedelta(minutes=minute), tick=False):
            result = imap.poll_all()["support"]
    gaps = [(b - a) // dt.timedelta(minutes=1) for a, b in itertools.pairwise(sign_ins)]
    assert gaps == [2, 4, 8, 16, 30, 30]
    box.refresh_from_db()
    assert box.login_failures == 7
    assert box.next_login_at == sign_ins[-1] + dt.timedelta(minutes=30)
    assert "next attempt at" in result.error and "(7 in a row)" in result.error
    assert "AUTHENTICATIONFAILED" in box.last_error


def test_saving_the_mailbox_ends_the_wait(dovecot, member) -> None:
    dovecot.deliver(plain(member.email))
    box = mailbox_for(dovecot, password="changed-by-it")
    assert "next attempt at" in imap.poll(box).error
    box.refresh_from_db()
    box.password = dovecot.password  # the administrator puts in the new password
    box.save()
    assert imap.poll(Mailbox.objects.get()).fetched == 1


def test_a_poll_by_hand_signs_in_at_once_and_a_good_sign_in_ends_the_wait(
    dovecot, member, sign_ins
) -> None:
    dovecot.deliver(plain(member.email))
    box = mailbox_for(dovecot)
    later = timezone.now() + dt.timedelta(minutes=16)
    Mailbox.objects.filter(pk=box.pk).update(login_failures=4, next_login_at=later)
    assert "(4 in a row)" in imap.poll(Mailbox.objects.get()).error
    assert imap.poll_all()["support"].fetched == 0
    assert sign_ins == []
    call_command("mail", "poll")  # an operator trying the fix
    box.refresh_from_db()
    assert (len(sign_ins), box.login_failures, box.next_login_at) == (1, 0, None)
    assert unseen(dovecot) == 0


def test_an_unreachable_server_is_not_a_refused_sign_in(db) -> None:
    from tests.mail.conftest import free_port

    box = Mailbox.objects.create(
        name="support",
        host="127.0.0.1",
        port=free_port(),  # nobody listens
        security=Mailbox.Security.NONE,
        username="support",
        password="secret",
    )
    assert "ConnectionRefusedError" in imap.poll(box).error
    box.refresh_from_db()
    assert (box.login_failures, box.next_login_at) == (0, None)


# -- an inactive mailbox --------------------------------------------------------------------------


def test_polling_an_inactive_mailbox_says_it_is_inactive(dovecot, member) -> None:
    dovecot.deliver(plain(member.email))
    result = imap.poll(mailbox_for(dovecot, is_active=False))
    assert result.error == "This mailbox is inactive: it is not polled."
    assert (unseen(dovecot), Mailbox.objects.get().last_polled_at) == (1, None)


def test_a_mailbox_made_inactive_meanwhile_says_so(dovecot) -> None:
    box = mailbox_for(dovecot)
    Mailbox.objects.filter(pk=box.pk).update(is_active=False)  # in another tab
    assert imap.poll(box).error == "This mailbox is inactive: it is not polled."
