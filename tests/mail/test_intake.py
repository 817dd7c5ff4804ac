"""The email intake: routing, content, loops and the quarantine, on real .eml files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import OperationalError

from secondline.mail import filing, headers, intake
from secondline.mail.models import InboundMessage, Notification, SenderReply
from secondline.mail.parse import parse
from secondline.tickets import events, rules
from secondline.tickets import services as tickets
from secondline.tickets.choices import Channel, Priority, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import OrganizationFactory, UserFactory, file_ticket
from tests.mail.conftest import MESSAGES, eml, signed

Status = InboundMessage.Status


def plain(
    sender: str, subject: str = "Price lists", body: str = "How do we set it up?", **headers: str
) -> bytes:
    lines = [f"From: {sender}", "To: support@secondline.example", f"Subject: {subject}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    lines += ["Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode()


def test_it_opens_a_ticket_for_a_known_contact(member, sent) -> None:
    with sent():
        outcome = intake.ingest_message(plain(member.email, body="Where is the setting?"))
    assert outcome.status == Status.TICKET
    ticket = outcome.message.result_ticket
    assert ticket.requester == member
    assert ticket.channel == Channel.EMAIL
    assert ticket.type == TicketType.CONSULTATION
    assert ticket.description.startswith("Where is the setting?")
    assert mail.outbox[-1].to == [member.email]  # the acknowledgment with the number
    assert ticket.number in mail.outbox[-1].subject


def test_it_reads_type_and_priority_tags_in_koi8r(member) -> None:
    outcome = intake.ingest_message(eml("koi8r-incident.eml", sender=member.email))
    ticket = outcome.message.result_ticket
    assert ticket.type == TicketType.INCIDENT
    assert ticket.priority == Priority.HIGH
    assert ticket.subject == "Не проводится отгрузка"
    assert "ошибка 500" in ticket.description
    assert ticket.occurred_at == dt.datetime(2026, 3, 3, 8, 0, tzinfo=dt.UTC)
    assert ticket.impact == filing.NOT_GIVEN
    assert ticket.steps_to_reproduce == filing.NOT_GIVEN


def test_a_priority_tag_on_a_consultation_is_overridden_by_the_plan(member) -> None:
    outcome = intake.ingest_message(plain(member.email, subject="[Consultation][Urgent] Setup"))
    ticket = outcome.message.result_ticket
    assert ticket.type == TicketType.CONSULTATION
    assert ticket.priority != Priority.URGENT
    assert ticket.events.filter(kind=TicketEvent.Kind.PRIORITY_SET).exists()


@pytest.mark.parametrize(
    ("name", "subject", "text"),
    [
        # us-ascii does not decode 8-bit bytes: detected (UTF-8)
        ("utf8-mislabelled.eml", "Отчёт не строится", "Отчёт по складу не строится"),
        ("html-only-cp1251.eml", "Вопрос", "Как настроить отчёт?"),
        # ISO-8859-1 decodes these bytes: the declared charset is honoured, not guessed over
        ("cp1251-mislabelled.eml", "Question about price lists", "Ãäå íàñòðàèâàåòñÿ"),
    ],
)
def test_it_decodes_charsets_by_the_label_else_by_detection(member, name, subject, text) -> None:
    ticket = intake.ingest_message(eml(name, sender=member.email)).message.result_ticket
    assert ticket.subject == subject
    assert text in ticket.description
    assert "<style" not in ticket.description and "p{" not in ticket.description


def test_it_keeps_every_attachment_with_decoded_names(member) -> None:
    ticket = intake.ingest_message(
        eml("attachments.eml", sender=member.email)
    ).message.result_ticket
    files = {a.filename: a for a in ticket.attachments.all()}
    assert set(files) == {"shot.png", "журнал ошибок.log", "отчёт.pdf"}
    assert files["shot.png"].content_id == "shot1@customer.example"
    assert files["журнал ошибок.log"].file.read() == b"ERROR 500 at /shipments/post"
    assert ticket.description.startswith("See the screenshot")


def test_html_is_sanitized_and_keeps_inline_images(member) -> None:

    parsed = parse(eml("attachments.eml", sender=member.email))
    assert "<script" not in parsed.html
    assert 'src="cid:shot1@customer.example"' in parsed.html


def test_a_broken_message_still_becomes_a_ticket(member) -> None:
    outcome = intake.ingest_message(eml("broken.eml", sender=member.email))
    assert outcome.status == Status.TICKET
    assert "hello" in outcome.message.result_ticket.description


def test_an_unknown_sender_gets_one_reply_a_day(db, sent) -> None:
    with sent():
        first = intake.ingest_message(plain("stranger@elsewhere.example"), source="pipe")
        second = intake.ingest_message(
            plain("stranger@elsewhere.example", body="again"), source="pipe"
        )
    assert first.status == second.status == Status.QUARANTINED
    assert not Ticket.objects.exists()
    replies = [m for m in mail.outbox if m.to == ["stranger@elsewhere.example"]]
    assert len(replies) == 1
    assert replies[0].extra_headers["Auto-Submitted"] == "auto-replied"
    assert "Здравствуйте" in replies[0].body and "portal" in replies[0].body
    assert SenderReply.objects.count() == 1


def test_a_contact_without_an_active_contract_is_told_why(db, sent) -> None:
    lonely = UserFactory(organization=OrganizationFactory(name="No Contract Ltd"))
    with sent():
        outcome = intake.ingest_message(plain(lonely.email), source="imap:support")
    assert outcome.status == Status.QUARANTINED
    assert "responsible" in outcome.message.error or "contract" in outcome.message.error
    assert mail.outbox[-1].to == [lonely.email]


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-generated",
        "Precedence: bulk",
        "Precedence: junk",
        "Precedence: list",
        "X-Autoreply: yes",
        "X-Autorespond: yes",
    ],
)
def test_automatic_mail_opens_no_ticket_and_is_never_answered(member, sent, header) -> None:
    raw = plain("robot@elsewhere.example").replace(b"Subject:", header.encode() + b"\r\nSubject:")
    with sent():
        outcome = intake.ingest_message(raw, source="pipe")
        from_contact = intake.ingest_message(
            plain(member.email).replace(b"Subject:", header.encode() + b"\r\nSubject:")
        )
    assert outcome.status == from_contact.status == Status.QUARANTINED
    assert not Ticket.objects.exists()
    assert mail.outbox == []


def test_an_out_of_office_reply_on_a_ticket_is_ignored(member, sent) -> None:
    ticket = file_ticket(member)
    with sent():
        outcome = intake.ingest_message(
            eml("auto-reply.eml", sender=member.email, number=ticket.number)
        )
    assert outcome.status == Status.IGNORED
    assert outcome.message.result_ticket == ticket
    assert not ticket.comments.exists()
    assert mail.outbox == []


def test_a_bounce_is_recorded_on_its_ticket_as_an_internal_event(member, sent) -> None:
    with sent():
        ticket = file_ticket(member)
    notification = Notification.objects.get(ticket=ticket, recipient=member)
    raw = eml(
        "bounce.eml",
        recipient=member.email,
        number=ticket.number,
        notification_id=notification.message_id,
    )
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.DELIVERY_FAILED
    event = ticket.events.get(kind=TicketEvent.Kind.DELIVERY_FAILED)
    assert not event.is_public
    assert event.new_value == member.email
    assert "5.1.1" in event.reason
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert Ticket.objects.count() == 1


def test_a_bounce_about_a_message_we_never_sent_is_quarantined(db) -> None:
    raw = eml("bounce.eml", recipient="x@y.example", number="SL-1", notification_id="<nope@else>")
    assert intake.ingest_message(raw).status == Status.QUARANTINED


def test_a_sender_over_the_rate_limit_is_quarantined(member, settings) -> None:
    settings.MAIL_SENDER_RATE_LIMIT = 3
    statuses = [
        intake.ingest_message(plain(member.email, body=f"message {n}"), source="pipe").status
        for n in range(5)
    ]
    assert statuses == [Status.TICKET] * 3 + [Status.QUARANTINED] * 2


def test_the_same_bytes_twice_are_one_message(member) -> None:
    raw = plain(member.email, Message_ID="<same@customer.example>")
    first = intake.ingest_message(raw)
    again = intake.ingest_message(raw)
    assert (first.status, again.status) == (Status.TICKET, Status.DUPLICATE)
    assert InboundMessage.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_the_same_message_id_by_another_route_is_a_duplicate(member) -> None:
    raw = plain(member.email, Message_ID="<same@customer.example>")
    intake.ingest_message(raw)
    relayed = b"Received: from relay.example by mx\r\n" + raw
    outcome = intake.ingest_message(relayed)
    assert outcome.status == Status.DUPLICATE
    assert outcome.message.duplicate_of is not None
    assert bytes(outcome.message.raw) == relayed  # kept all the same
    assert Ticket.objects.count() == 1


def test_a_stored_but_unprocessed_message_is_picked_up_again(member) -> None:
    raw = plain(member.email)
    message, created = intake.store(raw, "pipe")  # as if the process died right here
    assert created and message.status == Status.RECEIVED
    outcome = intake.ingest_message(raw, source="pipe")
    assert outcome.status == Status.TICKET
    assert intake.process_pending() == 0
    assert Ticket.objects.count() == 1


def test_the_sweep_processes_what_a_crash_left_behind(member) -> None:
    intake.store(plain(member.email), "pipe")
    assert intake.process_pending() == 1
    assert InboundMessage.objects.get().status == Status.TICKET


def test_a_database_hiccup_leaves_the_message_for_later(member, monkeypatch) -> None:
    def down(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(intake, "process", down)
    outcome = intake.ingest_message(plain(member.email))
    assert outcome.status == Status.RECEIVED
    assert not outcome.is_safe


def test_an_unexpected_error_quarantines_with_the_error(member, monkeypatch) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(tickets, "file_ticket", explode)
    outcome = intake.ingest_message(plain(member.email))
    assert outcome.status == Status.QUARANTINED
    assert "kaboom" in outcome.message.error
    assert not Ticket.objects.exists()


def test_an_oversized_attachment_stays_in_the_raw_message(member, settings) -> None:
    settings.ATTACHMENT_MAX_BYTES = 10
    ticket = intake.ingest_message(
        eml("attachments.eml", sender=member.email)
    ).message.result_ticket
    assert "size limit" in ticket.description
    assert ticket.attachments.count() < 3


def test_a_request_to_suppress_auto_replies_is_honoured_without_losing_the_mail(
    member, sent
) -> None:
    """X-Auto-Response-Suppress asks for no automatic answers: an unknown sender gets none,
    while a contact's message is still a person's message and opens its ticket."""
    header = b"X-Auto-Response-Suppress: All\r\nSubject:"
    with sent():
        stranger = intake.ingest_message(
            plain("stranger@elsewhere.example").replace(b"Subject:", header), source="pipe"
        )
    assert stranger.status == Status.QUARANTINED
    assert all("stranger@elsewhere.example" not in m.to for m in mail.outbox)
    contact = intake.ingest_message(plain(member.email).replace(b"Subject:", header))
    assert contact.status == Status.TICKET


@pytest.mark.parametrize("name", sorted(path.name for path in MESSAGES.glob("*.eml")))
def test_the_stored_envelope_is_what_the_header_block_says(name) -> None:
    raw = eml(name, sender="someone@example.com")
    assert parse(raw).envelope == headers.envelope(raw)


def test_a_quarantined_failure_counts_one_attempt_and_keeps_no_half_work(
    member, monkeypatch
) -> None:
    def explode(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(events, "ticket_filed", explode)  # fails after the ticket insert
    outcome = intake.ingest_message(plain(member.email))
    message = InboundMessage.objects.get(pk=outcome.message.pk)
    assert (message.status, message.attempts) == (Status.QUARANTINED, 1)
    assert message.processed_at is not None and "kaboom" in message.error
    assert message.result_ticket is None
    assert not Ticket.objects.exists() and not Notification.objects.exists()


def test_one_new_ticket_by_email_asks_the_database_only_what_it_must(
    member, django_assert_num_queries
) -> None:
    intake.ingest_message(plain(member.email, subject="First"))  # caches the contract
    # Store: the INSERT (in a savepoint of the test's transaction). Route, in one transaction:
    # the claim, the earlier Message-ID, the contact; the filing's savepoint, ticket with its
    # deadlines, its two audit events (one INSERT), notification, the unassigned timer, the
    # search document (its row and what the database searches: 2), release; the result. No
    # contract (nor its customer), no staff: they are cached.
    with django_assert_num_queries(17):
        outcome = intake.ingest_message(plain(member.email, subject="Second", Message_ID="<2@x>"))
    assert outcome.status == Status.TICKET


@pytest.mark.parametrize("assigned", [False, True], ids=["unassigned", "assigned"])
def test_one_reply_by_email_asks_the_database_only_what_it_must(
    member, agent, assigned, django_assert_num_queries
) -> None:
    ticket = file_ticket(member)
    if assigned:  # the assignee, told of the answer, comes with the locked ticket
        tickets.assign(ticket, agent, agent)
    intake.ingest_message(
        signed(plain(member.email, subject=f"Re: [{ticket.number}] one"), ticket, member)
    )
    # Store; claim, ticket, contact, the sender's reply key (issue 16); the comment's
    # savepoint, the locked ticket with its contract, calendar, plan and assignee, comment,
    # audit event, touch, the watchers to notify (the staff who may hear of it are cached),
    # the automation's timers the answer stops, the search document (its texts read, the
    # comment added to them and to what the database searches: 3), release; the result. No
    # deadline is recomputed: a customer's remark moves none (sla.receivers.moves_a_clock).
    raw = signed(plain(member.email, subject=f"Re: [{ticket.number}] two"), ticket, member)
    # Assigned, three more: the assignee's email and notice, and the notice's check of who
    # was emailed already. The assignee comes with the locked ticket.
    with django_assert_num_queries(24 if assigned else 21):
        outcome = intake.ingest_message(raw)
    assert outcome.status == Status.COMMENT


def test_a_body_longer_than_a_ticket_holds_is_cut_and_attached_whole(member) -> None:
    """A pasted log of 150,000 characters: the ticket is filed, its description cut with a
    note, and the whole text is attached, so nothing the customer wrote is lost."""
    log = "".join(f"{n:06d} ERROR posting failed\n" for n in range(6000))  # 162,000 chars
    ticket = intake.ingest_message(plain(member.email, body=log)).message.result_ticket
    assert len(ticket.description) <= rules.TEXT_LIMIT
    assert ticket.description.startswith("000000 ERROR")
    assert ticket.description.endswith("[Cut here: the whole text is attached as message.txt.]")
    whole = ticket.attachments.get(filename="message.txt")
    assert whole.file.read().decode().strip() == log.strip()
