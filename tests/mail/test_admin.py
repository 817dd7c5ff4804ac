"""The quarantine in the back office: agents see the raw source, retry, turn into a ticket."""

from __future__ import annotations

from django.urls import reverse

from secondline.accounts.models import User
from secondline.mail import intake
from secondline.mail.models import InboundMessage
from tests.mail.test_intake import plain


def test_agents_see_the_quarantine_with_the_raw_source(admin_client) -> None:
    message = intake.ingest_message(plain("stranger@elsewhere.example", body="<b>hi</b>")).message
    listing = admin_client.get(reverse("admin:mail_inboundmessage_changelist"))
    assert listing.status_code == 200 and b"stranger@elsewhere.example" in listing.content
    page = admin_client.get(reverse("admin:mail_inboundmessage_change", args=[message.pk]))
    assert page.status_code == 200
    assert b"&lt;b&gt;hi&lt;/b&gt;" in page.content  # shown, escaped, never rendered
    assert b"is not a known contact" in page.content


def test_the_turn_into_a_ticket_action_files_it_for_the_chosen_contact(admin_client, member):
    message = intake.ingest_message(plain("stranger@elsewhere.example")).message
    url = reverse("admin:mail_inboundmessage_changelist")
    form = admin_client.post(url, {"action": "turn_into_ticket", "_selected_action": [message.pk]})
    assert form.status_code == 200 and b"customer contact" in form.content
    done = admin_client.post(
        url,
        {
            "action": "turn_into_ticket",
            "_selected_action": [message.pk],
            "apply": "1",
            "contact": member.pk,
            "ticket_type": "",
        },
    )
    assert done.status_code == 302
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.TICKET
    assert message.result_ticket.requester == member


def test_the_retry_action(admin_client, personas) -> None:
    message = intake.ingest_message(plain("late@volga.example")).message
    User.objects.create(username="late", email="late@volga.example", organization=personas.customer)
    url = reverse("admin:mail_inboundmessage_changelist")
    admin_client.post(url, {"action": "retry", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.TICKET


def test_the_turn_into_a_ticket_action_takes_the_sender_when_they_are_a_contact(
    admin_client, personas
) -> None:
    message = intake.ingest_message(plain("late@volga.example")).message
    late = User.objects.create(
        username="late", email="late@volga.example", organization=personas.customer
    )
    url = reverse("admin:mail_inboundmessage_changelist")
    admin_client.post(
        url,
        {"action": "turn_into_ticket", "_selected_action": [message.pk], "apply": "1"},
    )
    message.refresh_from_db()
    assert message.result_ticket.requester == late
    assert message.result_ticket.created_at == message.received_at


def test_the_discard_action_asks_why_then_discards(admin_client) -> None:
    spam = [intake.ingest_message(plain(f"o{i}@spam.example")).message for i in range(2)]
    url = reverse("admin:mail_inboundmessage_changelist")
    selected = {"action": "discard", "_selected_action": [m.pk for m in spam]}
    form = admin_client.post(url, selected)
    assert form.status_code == 200 and b"why it is spam" in form.content
    empty = admin_client.post(url, {**selected, "apply": "1", "reason": ""})
    assert empty.status_code == 200
    assert InboundMessage.objects.filter(status=InboundMessage.Status.QUARANTINED).count() == 2
    done = admin_client.post(url, {**selected, "apply": "1", "reason": "Phishing"})
    assert done.status_code == 302
    for message in spam:
        message.refresh_from_db()
        assert message.status == InboundMessage.Status.DISCARDED
        assert message.discarded_by.username == "boss" and message.discard_reason == "Phishing"
    page = admin_client.get(reverse("admin:mail_inboundmessage_change", args=[spam[0].pk]))
    assert b"Phishing" in page.content


def test_the_accept_action_comments_as_the_sender(admin_client, member) -> None:
    from secondline.tickets.models import Comment
    from tests.factories import file_ticket

    ticket = file_ticket(member)
    raw = plain(member.email, subject=f"Re: [{ticket.number}] Price lists", body="Done.")
    message = intake.ingest_message(raw).message
    assert message.status == InboundMessage.Status.QUARANTINED
    url = reverse("admin:mail_inboundmessage_changelist")
    admin_client.post(url, {"action": "accept_as_sender", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.COMMENT
    assert Comment.objects.get(ticket=ticket).author == member
    assert ticket.events.get(field="sender_proof").actor.username == "boss"
