"""Nothing that identifies an erased contact is left: not in the search, the phone calls, the
outgoing mail, the intake's notes, the quarantine, her former organisation's tickets or the
sign-in records."""

from __future__ import annotations

import base64
import email
from typing import Any

from axes.models import AccessAttempt, AccessLog
from django.utils import timezone

from secondline.mail.models import InboundMessage, Notification, SenderReply
from secondline.privacy.erasure import erase_contact
from secondline.releases.duty import record_phone_call
from secondline.search import queries
from secondline.search.models import TicketDocument
from secondline.tickets import services
from tests.factories import consultation_draft, file_ticket
from tests.privacy.conftest import inbound

TRACES = ["marina", "orlova", "m.orlova", "916", "123-45-67", "1234567", "123 45 67"]


def leftovers(text: str) -> list[str]:
    return [trace for trace in TRACES if trace in text.lower()]


def about_her(personas: Any, **fields: Any) -> Any:
    """A ticket her colleague filed about her: she is neither its requester nor its author."""
    draft = consultation_draft(
        subject=fields.pop("subject", "Marina Orlova cannot sign in"),
        description=fields.pop("description", "Marina Orlova is locked out."),
    )
    return file_ticket(personas.responsible, draft)


def test_the_search_no_longer_finds_her_on_a_colleagues_ticket(marina: Any, personas: Any) -> None:
    ticket = about_her(personas)
    services.add_comment(ticket, personas.agent, "Rang m.orlova@volga.example, no answer.")
    assert list(queries.search(personas.agent, "Orlova")) == [ticket]
    erase_contact(marina, by=personas.manager, reason="Her letter")
    for query in ("Orlova", "Marina", "m.orlova@volga.example"):
        assert list(queries.search(personas.agent, query)) == [], query
    document = TicketDocument.objects.get(ticket=ticket)
    stored = " ".join([document.subject, document.people, document.public_text])
    assert not leftovers(stored + document.staff_text), stored


def test_the_phone_calls_lose_her_name_number_and_what_she_said(
    marina: Any, her_ticket: Any, personas: Any
) -> None:
    call = record_phone_call(
        her_ticket,
        personas.agent,
        caller_name="Marina Orlova",
        caller_phone="+7 916 123-45-67",
        summary="Marina Orlova asks to call back on 8 (916) 123 45 67.",
    )
    erasure = erase_contact(marina, by=personas.manager, reason="Her letter")
    call.refresh_from_db()
    assert (call.caller_name, call.caller_phone, call.summary) == (
        "[erased]",
        "+7 [erased]",
        "[erased] asks to call back on 8 ([erased].",
    )
    assert erasure.counts["phone_calls"] == 1


def test_the_outgoing_mail_loses_her_name_in_subjects_and_errors(
    marina: Any, personas: Any
) -> None:
    ticket = about_her(personas)
    sent = Notification.objects.create(
        ticket=ticket,
        recipient=personas.agent,
        to_email=personas.agent.email,
        kind="created",
        status=Notification.Status.FAILED,
        message_id="<n1@secondline.example>",
        subject=f"[{ticket.number}] New ticket: Marina Orlova cannot sign in",
        last_error="550 m.orlova@volga.example: mailbox full",
    )
    replied = SenderReply.objects.create(
        email="M.Orlova@volga.example", day=timezone.localdate(), subject="From Marina Orlova"
    )
    someone = SenderReply.objects.create(
        email="boss@volga.example",
        day=timezone.localdate(),
        subject="Re: m.orlova@volga.example is locked out",
    )
    erase_contact(marina, by=personas.manager, reason="Her letter")
    sent.refresh_from_db()
    replied.refresh_from_db()
    someone.refresh_from_db()
    assert sent.subject == f"[{ticket.number}] New ticket: [erased] cannot sign in"
    assert sent.last_error == "550 [erased]: mailbox full" and sent.to_email == "agent@example.com"
    assert (replied.email, replied.subject) == (
        f"erased-{marina.pk}@erased.invalid",
        "From [erased]",
    )
    assert (someone.email, someone.subject) == ("boss@volga.example", "Re: [erased] is locked out")


def test_what_the_intake_wrote_about_her_email_goes_too(marina: Any, personas: Any) -> None:
    hers = inbound(
        b"From: m.orlova@volga.example\r\nSubject: again\r\n\r\nloop",
        "m.orlova@volga.example",
        status=InboundMessage.Status.DISCARDED,
        error="Too many messages from m.orlova@volga.example in a short time (a mail loop?).",
        discard_reason="Spam from Marina Orlova's hacked mailbox",
    )
    erase_contact(marina, by=personas.manager, reason="Her letter")
    hers.refresh_from_db()
    assert hers.error == "Too many messages from [erased] in a short time (a mail loop?)."
    assert hers.discard_reason == "Spam from [erased]'s hacked mailbox"


def test_someone_elses_quarantined_email_that_holds_her_address_or_phone_is_redacted(
    marina: Any, personas: Any
) -> None:
    body = base64.encodebytes("Марина: m.orlova@volga.example, +7 916 123-45-67".encode())
    encoded = (
        b"From: boss@volga.example\r\nSubject: locked out\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + body
    )
    by_phone = b"From: boss@volga.example\r\n\r\nMarina Orlova, 8 916 1234567, is locked out\r\n"
    by_name_only = b"From: x@neva.example\r\n\r\nMarina Orlova of Neva Retail\r\n"
    waiting = {
        "encoded": inbound(encoded, "boss@volga.example", status="quarantined"),
        "by_phone": inbound(by_phone, "boss@volga.example", status="duplicate"),
        "by_name_only": inbound(by_name_only, "x@neva.example", status="ignored"),
    }
    erasure = erase_contact(marina, by=personas.manager, reason="Her letter")
    raw = {name: bytes(InboundMessage.objects.get(pk=m.pk).raw) for name, m in waiting.items()}
    text = email.message_from_bytes(raw["encoded"]).get_payload(decode=True)
    assert isinstance(text, bytes) and text.decode() == "Марина: [erased], +7 [erased]"
    assert (
        raw["by_phone"]
        == b"From: boss@volga.example\r\n\r\n[erased], 8 [erased], is locked out\r\n"
    )
    # a name alone may be someone else's: only her address or phone marks her email
    assert raw["by_name_only"] == by_name_only
    assert erasure.counts["raw_emails_redacted"] == 2


def test_her_former_organisations_tickets_that_name_her_are_erased(
    marina: Any, personas: Any
) -> None:
    """The user row keeps no history of moves: a ticket she filed tells her former
    organisation, and her address or phone marks any ticket that names her."""
    filed = file_ticket(marina, consultation_draft(description="Please reset my password."))
    by_name = about_her(personas, description="Marina Orlova moves to Neva Retail.")
    elsewhere = file_ticket(
        personas.outsider,
        consultation_draft(description="Our new colleague, phone +7 916 123 45 67."),
    )
    marina.organization = personas.other_customer
    marina.save()
    erase_contact(marina, by=personas.manager, reason="Her letter")
    for ticket in (filed, by_name, elsewhere):
        ticket.refresh_from_db()
    assert by_name.description == "[erased] moves to Neva Retail."
    assert elsewhere.description == "Our new colleague, phone +7 [erased]."
    assert filed.events.filter(field="personal_data").exists()


def test_a_ticket_found_by_her_phone_is_erased_from_throughout(marina: Any, personas: Any) -> None:
    """Another customer's ticket holds her phone: its comments, calls and mail that name her
    go too, though the phone that found the ticket is erased first."""
    ticket = file_ticket(
        personas.outsider, consultation_draft(description="Supplier's contact: 8 916 123 45 67.")
    )
    services.add_comment(ticket, personas.agent, "Marina Orlova will call back.")
    call = record_phone_call(
        ticket, personas.agent, caller_name="Marina Orlova", summary="About the delivery."
    )
    erase_contact(marina, by=personas.manager, reason="Her letter")
    ticket.refresh_from_db()
    call.refresh_from_db()
    assert ticket.description == "Supplier's contact: 8 [erased]."
    assert [c.body for c in ticket.comments.all()] == ["[erased] will call back."]
    assert call.caller_name == "[erased]"


def test_sign_in_records_go_whatever_the_spelling(marina: Any, personas: Any) -> None:
    for username in ("M.Orlova@Volga.example", "MEMBER", "m.orlova@volga.example"):
        AccessAttempt.objects.create(
            username=username, ip_address="203.0.113.5", user_agent="x", failures_since_start=1
        )
    AccessLog.objects.create(username="Member", ip_address="203.0.113.5", user_agent="x")
    AccessLog.objects.create(username="responsible", ip_address="203.0.113.6", user_agent="x")
    erasure = erase_contact(marina, by=personas.manager, reason="Her letter")
    assert not AccessAttempt.objects.exists()
    assert list(AccessLog.objects.values_list("username", flat=True)) == ["responsible"]
    assert erasure.counts["sign_in_records"] == 4
