"""Which ticket and which contact a message belongs to (mail.routing)."""

from __future__ import annotations

import pytest

from secondline.mail import batches, intake, routing
from secondline.mail.models import InboundMessage, Notification
from secondline.tickets import services as tickets
from secondline.tickets.choices import Channel
from secondline.tickets.models import Comment
from tests.factories import UserFactory, file_ticket
from tests.mail.conftest import eml, signed
from tests.mail.test_intake import plain

Status = InboundMessage.Status


def test_a_reply_joins_its_ticket_by_the_subject_tag_without_the_quote(member) -> None:
    ticket = file_ticket(member)
    raw = eml("reply-ru.eml", sender=member.email, number=ticket.number)
    outcome = intake.ingest_message(signed(raw, ticket, member))
    assert outcome.status == Status.COMMENT
    comment = outcome.message.result_comment
    assert comment.ticket == ticket
    assert comment.channel == Channel.EMAIL
    assert comment.body == "Спасибо, после перезапуска всё работает."


def test_a_reply_joins_its_ticket_through_our_message_id(member, agent, sent) -> None:
    ticket = file_ticket(member)
    with sent():
        services_comment = __import__("secondline.tickets.services", fromlist=["x"])
        services_comment.add_comment(ticket, agent, "Please restart the service.")
    notification = Notification.objects.filter(ticket=ticket, recipient=member).latest("pk")
    reply = plain(
        member.email,
        subject="Re: restarted",
        body="Done, it works.\n\nOn Tue, Mar 3, 2026 at 1:00 PM Support wrote:\n> Please restart",
        In_Reply_To=notification.message_id,
        Message_ID="<r1@customer.example>",
    )
    outcome = intake.ingest_message(reply)
    assert outcome.message.result_comment.body == "Done, it works."
    assert outcome.message.result_ticket == ticket


def test_a_reply_joins_by_the_ticket_thread_id_and_by_the_plus_address(member) -> None:
    ticket = file_ticket(member)
    by_thread = plain(
        member.email, subject="Re: x", References=f"<ticket-{ticket.pk}@secondline.example>"
    )
    assert intake.ingest_message(signed(by_thread, ticket, member)).status == Status.COMMENT
    by_plus = plain(member.email, subject="more logs").replace(
        b"To: support@secondline.example",
        f"To: support+{ticket.number}@secondline.example".encode(),
    )
    # anyone can write these: without a proof they find the ticket and are quarantined
    for unproven in (by_thread, by_plus):
        outcome = intake.ingest_message(unproven.replace(b"Subject:", b"X-Try: 2\r\nSubject:"))
        assert outcome.status == Status.QUARANTINED
        assert outcome.message.result_ticket is None


def test_a_customers_reply_to_a_waiting_ticket_puts_it_back_in_progress(member, agent) -> None:

    ticket = file_ticket(member)
    tickets.change_status(ticket, agent, "waiting")
    intake.ingest_message(
        signed(plain(member.email, subject=f"Re: [{ticket.number}] logs"), ticket, member)
    )
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


@pytest.mark.parametrize("finish", ["close", "decline"])
def test_a_customers_answer_to_a_finished_ticket_opens_a_new_one_that_names_it(
    member, agent, finish
) -> None:
    """As the portal asks of them: a problem that comes back is a new ticket naming the old
    one; the closed or declined ticket takes no answer (tickets.services)."""
    old = file_ticket(member)
    if finish == "close":
        tickets.change_status(old, member, "closed")
    else:
        tickets.decline_ticket(old, agent, "duplicate", "See SL-1.")
    raw = plain(member.email, subject=f"Re: [{old.number}] logs", body="It is back again.")
    outcome = intake.ingest_message(signed(raw, old, member))
    assert outcome.status == Status.TICKET
    new = outcome.message.result_ticket
    assert new != old and new.requester == member
    said = "is closed" if finish == "close" else "was declined"
    assert new.description.startswith(f"Follow-up to {old.number}, which {said}.\n\n")
    assert "It is back again." in new.description
    assert not old.comments.exists()


def test_staff_can_answer_by_email(member, agent) -> None:
    ticket = file_ticket(member)
    raw = plain(agent.email, subject=f"Re: [{ticket.number}] x")
    outcome = intake.ingest_message(signed(raw, ticket, agent))
    assert outcome.status == Status.COMMENT
    assert outcome.message.result_comment.author == agent


def test_an_outsider_cannot_write_on_someone_elses_ticket(member, outsider) -> None:
    ticket = file_ticket(member)
    outcome = intake.ingest_message(plain(outsider.email, subject=f"Re: [{ticket.number}] hi"))
    assert outcome.status == Status.QUARANTINED
    assert "may not write" in outcome.message.error
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_a_tag_of_a_missing_ticket_is_quarantined(member) -> None:
    outcome = intake.ingest_message(plain(member.email, subject="Re: [SL-99999] hi"))
    assert outcome.status == Status.QUARANTINED


def test_the_sender_is_found_in_any_case_and_only_among_active_accounts(personas) -> None:
    ivan = UserFactory(email="Ivan.Petrov@Volga.example", organization=personas.customer)
    assert routing.find_contact("ivan.petrov@volga.example") == ivan
    assert routing.find_contact("IVAN.PETROV@volga.example") == ivan
    ivan.is_active = False
    ivan.save()
    assert routing.find_contact("ivan.petrov@volga.example") is None
    assert routing.find_contact("ivan_petrov@volga.example") is None  # no LIKE wildcards
    assert routing.find_contact("ivan.petrov%") is None


def test_a_reply_naming_two_tickets_joins_the_newest_notifications_ticket(member, sent) -> None:
    with sent():
        older, newer = file_ticket(member), file_ticket(member)
    first = Notification.objects.get(ticket=older).message_id
    second = Notification.objects.get(ticket=newer).message_id
    reply = plain(member.email, subject="Re: both", References=f"{second} {first}")
    assert intake.ingest_message(reply).message.result_ticket == newer


def test_the_contact_lookup_uses_the_unique_lower_case_email_index(db) -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the planner's choice on a small PostgreSQL table is a sequential scan")
    plan = routing.contacts_with_address("Ivan@Volga.example").explain()
    assert "accounts_user_email_any_case_unique" in plan


def test_a_batchs_contacts_are_found_with_one_query_as_find_contact_finds_them(
    personas, django_assert_num_queries
) -> None:
    ivan = UserFactory(email="Ivan.Petrov@Volga.example", organization=personas.customer)
    gone = UserFactory(email="gone@volga.example", organization=personas.customer)
    gone.is_active = False
    gone.save()
    member = personas.member.email
    with django_assert_num_queries(1):
        contacts = routing.Lookups(["ivan.petrov@volga.example", "gone@volga.example", member])
        assert contacts.contact("ivan.petrov@volga.example") == ivan
        assert contacts.contact("gone@volga.example") is None
        assert contacts.contact(member) == personas.member
        assert contacts.contact(member).organization == personas.customer  # loaded with it
    with django_assert_num_queries(1):  # not in the batch: looked up on its own, once
        assert contacts.contact("ivan_petrov@volga.example") is None
        assert contacts.contact("ivan_petrov@volga.example") is None


def test_a_batchs_earlier_message_ids_are_found_with_one_query(member, db) -> None:
    raw = plain(member.email, Message_ID="<same@x>")
    first = intake.store(raw, "import")[0]
    other_content = intake.store(plain(member.email, body="again", Message_ID="<same@x>"), "x")[0]
    relayed = intake.store(b"Received: from relay.example by mx\r\n" + raw, "import")[0]
    alone = intake.store(plain(member.email, body="other", Message_ID="<other@x>"), "import")[0]
    messages = (first, other_content, relayed, alone)
    expected = [
        routing.Earlier(),
        routing.Earlier(other=first.pk),
        routing.Earlier(same=first.pk, other=other_content.pk),
        routing.Earlier(),
    ]
    lookups = routing.Lookups(message_ids=["<same@x>", "<other@x>"])
    assert [lookups.earlier_with_message_id(m) for m in messages] == expected
    assert [routing.earlier_with_message_id(m) for m in messages] == expected


def test_a_bounce_names_its_ticket_by_our_notification_or_our_thread_id(member, sent) -> None:
    from django.conf import settings

    from secondline.mail.automatic import Bounce

    with sent():
        ticket = file_ticket(member)
    notification = Notification.objects.get(ticket=ticket)
    assert routing.bounced(Bounce((notification.message_id,), (), "")) == (notification, ticket)
    thread_id = f"<ticket-{ticket.pk}@{settings.MAIL_DOMAIN}>"
    assert routing.bounced(Bounce(("<x@elsewhere>", thread_id), (), "")) == (None, ticket)
    assert routing.bounced(Bounce((f"<ticket-{ticket.pk}@elsewhere.example>",), (), "")) == (
        None,
        None,
    )


def test_a_batchs_thread_ids_are_looked_up_with_three_queries_as_find_ticket_finds_them(
    member, agent, sent, django_assert_num_queries
) -> None:
    first, second = file_ticket(member), file_ticket(member)
    with sent():
        tickets.add_comment(first, agent, "Please restart the service.")
        tickets.add_comment(second, agent, "Which version?")
    older = Notification.objects.filter(ticket=first, recipient=member).latest("pk")
    newer = Notification.objects.filter(ticket=second, recipient=member).latest("pk")
    filed = intake.ingest_message(plain(member.email, Message_ID="<opened@customer.example>"))
    ids = [older.message_id, newer.message_id, "<opened@customer.example>", "<unknown@x>"]
    with django_assert_num_queries(3):  # notifications, filed messages, their tickets
        lookups = routing.Lookups(thread_ids=ids)
    cases = [
        [older.message_id],
        [older.message_id, newer.message_id],  # the newest notification of the two
        ["<opened@customer.example>"],  # the message that opened a ticket
        ["<unknown@x>", "<opened@customer.example>"],
        ["<unknown@x>"],
    ]
    expected = [first.pk, second.pk, filed.message.result_ticket_id, filed.message.result_ticket_id]
    with django_assert_num_queries(0):
        assert [lookups.thread_ticket_id(ids) for ids in cases] == [*expected, None]
    assert [routing.thread_ticket_id(ids) for ids in cases] == [*expected, None]
    with django_assert_num_queries(2):  # an id the batch did not name: looked up on its own
        assert lookups.thread_ticket_id(["<elsewhere@x>"]) is None


def test_a_reply_to_a_message_of_the_same_batch_finds_the_ticket_it_opened(member) -> None:
    opening = plain(member.email, Message_ID="<opening@customer.example>")
    reply = plain(
        member.email,
        subject="Re: Price lists",
        body="And one more thing.",
        Message_ID="<reply@customer.example>",
        In_Reply_To="<opening@customer.example>",
    )
    opened, answered = batches.ingest_many([(opening, "import"), (reply, "import")])
    assert (opened.status, answered.status) == (Status.TICKET, Status.COMMENT)
    assert answered.message.result_ticket == opened.message.result_ticket


def test_a_batchs_named_tickets_are_read_with_one_query(
    member, db, django_assert_num_queries
) -> None:
    first, second = file_ticket(member), file_ticket(member)
    replies = [
        plain(member.email, subject=f"Re: [{first.number}] Price lists"),
        plain(
            member.email,
            subject="Re: Price lists",
            Cc=f"support+{second.number}@secondline.example",
        ),
        plain(member.email, subject="Re: [SL-999999] Price lists"),
    ]
    parses = [intake.parsed_here(raw) for raw in replies]
    assert [routing.named_tickets(p) for p in parses] == [[first.pk], [second.pk], [999999]]
    with django_assert_num_queries(1):
        lookups = routing.Lookups(tickets=[first.pk, second.pk, 999999])
    with django_assert_num_queries(0):
        assert routing.find_ticket(parses[0], lookups) == (first, "subject")
        assert routing.find_ticket(parses[1], lookups) == (second, "plus")
    with django_assert_num_queries(1):  # not found by the batch: read on its own
        assert routing.find_ticket(parses[2], lookups) == (None, "subject")
