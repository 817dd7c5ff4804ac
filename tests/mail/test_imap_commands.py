"""After a message is settled the poller touches only that message: UID MOVE (RFC 6851) where
the server has it, else COPY, \\Deleted and UID EXPUNGE of that UID (RFC 4315); never a plain
EXPUNGE. One poller per mailbox, on a lease that a dead poller loses within a minute."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from imap_tools import MailBoxUnencrypted

from secondline.mail import imap, imap_commands
from secondline.mail.lease import Lease, LeaseLost
from secondline.mail.models import InboundMessage, Mailbox
from tests.mail.conftest import running_dovecot
from tests.mail.test_imap import count, mailbox_for
from tests.mail.test_intake import plain

Status = InboundMessage.Status
pytestmark = pytest.mark.django_db

# Dovecot's own list has MOVE and UIDPLUS; ``imap_capability`` makes it offer less.
SERVERS = {
    "move": ("", ["MOVE"]),
    "uidplus": ("imap_capability = IMAP4rev1 LITERAL+ UIDPLUS\n", ["COPY", "STORE", "EXPUNGE"]),
    "neither": ("imap_capability = IMAP4rev1 LITERAL+\n", ["COPY", "STORE"]),
}


@pytest.fixture(params=SERVERS)
def server(request):
    with running_dovecot(SERVERS[request.param][0]) as running:
        yield request.param, running


@pytest.fixture
def commands(monkeypatch) -> list[str]:
    """The UID commands the poller sends after settling a message."""
    sent: list[str] = []
    real = imap_commands._uid

    def spy(box, command, *args):
        sent.append(command)
        return real(box, command, *args)

    monkeypatch.setattr(imap_commands, "_uid", spy)
    return sent


def flag_deleted_by_someone_else(server) -> None:
    """Another mail client flags a message \\Deleted and leaves it for its own expunge."""
    server.deliver(plain("colleague@secondline.example", subject="Draft"))
    with MailBoxUnencrypted("127.0.0.1", server.port).login(server.user, server.password) as box:
        uid = box.uids("ALL")[0]
        assert box.client.uid("STORE", uid, "+FLAGS", "(\\Deleted)")[0] == "OK"


def test_moving_touches_only_the_settled_message(server, member, commands) -> None:
    kind, dovecot = server
    flag_deleted_by_someone_else(dovecot)
    dovecot.deliver(plain(member.email))
    moving = {"processed_action": Mailbox.ProcessedAction.MOVE, "processed_folder": "Done"}
    box = mailbox_for(dovecot, **moving)
    result = imap.poll(box)
    assert (result.error, result.fetched) == ("", 1)
    assert commands == SERVERS[kind][1]
    assert count(dovecot, "Done") == 1
    # The other client's message is still there; without UIDPLUS ours stays, flagged \Deleted.
    assert count(dovecot, "INBOX") == (2 if kind == "neither" else 1)
    assert imap.poll(box).fetched == 0  # a message flagged \Deleted is never fetched again
    assert InboundMessage.objects.get().status == Status.TICKET


def test_flagging_as_seen_expunges_nothing(dovecot, member, commands) -> None:
    flag_deleted_by_someone_else(dovecot)
    dovecot.deliver(plain(member.email))
    assert imap.poll(mailbox_for(dovecot)).fetched == 1
    assert commands == ["STORE"]
    assert count(dovecot, "INBOX") == 2


def test_the_capabilities_are_read_after_the_login(server) -> None:
    kind, dovecot = server
    with imap.connect(mailbox_for(dovecot)) as box:
        offered = imap_commands.capabilities_of(box)
    assert ("MOVE" in offered, "UIDPLUS" in offered) == {
        "move": (True, True),
        "uidplus": (False, True),
        "neither": (False, False),
    }[kind]


# -- the lease --------------------------------------------------------------------------------


def test_a_dead_pollers_lease_is_free_within_a_minute(db) -> None:
    box = Mailbox.objects.create(name="m", host="127.0.0.1", username="u")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        dead, other = Lease(box.pk), Lease(box.pk)
        assert dead.take()
        assert not other.take()
        clock.move_to(start + dt.timedelta(seconds=59))
        assert not other.take()
        clock.move_to(start + dt.timedelta(seconds=61))
        assert other.take()
        with pytest.raises(LeaseLost):  # had it only stalled, it stops at its next step
            dead.keep()


def test_a_working_poller_keeps_its_lease(db) -> None:
    box = Mailbox.objects.create(name="m", host="127.0.0.1", username="u")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        working, other = Lease(box.pk), Lease(box.pk)
        assert working.take()
        for seconds in (25, 50, 75, 100):
            clock.move_to(start + dt.timedelta(seconds=seconds))
            working.keep()
            assert not other.take()
        working.release()
        assert other.take()


def test_a_poll_gives_its_lease_back(dovecot, member) -> None:
    dovecot.deliver(plain(member.email))
    box = mailbox_for(dovecot)
    assert imap.poll(box).fetched == 1
    box.refresh_from_db()
    assert (box.poll_lease_owner, box.poll_lease_until) == ("", None)
    assert Lease(box.pk).take()
    assert imap.poll(box).error == "another poller is working on this mailbox"
