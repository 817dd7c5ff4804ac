"""Mail may act only as who it proves to be (issue 16, Build 1): crafted messages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone

from secondline.mail import authresults, intake, proof
from secondline.mail.models import InboundMessage, ReplyKey, UrgentConfirmation
from secondline.releases.models import DutyCallout, DutyShift, UrgentAlert
from secondline.tickets.choices import Priority, TicketType
from secondline.tickets.models import Comment, Ticket
from tests.factories import file_ticket
from tests.mail.conftest import signed
from tests.mail.test_intake import plain

Status = InboundMessage.Status
TRUSTED = "mx.secondline.example"


def forged_reply(agent, ticket, **headers: str) -> bytes:
    return plain(
        agent.email,
        subject=f"Re: [{ticket.number}] Your data",
        body="Please log in again at http://evil.example/login",
        **headers,
    )


def test_a_forged_agent_reply_with_the_subject_tag_is_quarantined_and_mails_nobody(
    member, agent, sent
) -> None:
    ticket = file_ticket(member)
    mail.outbox.clear()
    with sent():
        outcome = intake.ingest_message(forged_reply(agent, ticket))
    assert outcome.status == Status.QUARANTINED
    assert "signed reply address" in outcome.message.error
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert mail.outbox == []


def test_a_reply_to_the_agents_signed_address_comments_as_the_agent(member, agent) -> None:
    ticket = file_ticket(member)
    outcome = intake.ingest_message(signed(forged_reply(agent, ticket), ticket, agent))
    assert outcome.status == Status.COMMENT
    assert outcome.message.result_comment.author == agent


def test_an_address_signed_for_someone_else_or_another_ticket_proves_nothing(
    member, agent, personas
) -> None:
    ticket, other = file_ticket(member), file_ticket(member)
    for raw in (
        signed(forged_reply(agent, ticket), ticket, member),  # the customer's address
        signed(forged_reply(agent, ticket), other, agent).replace(
            f"+{other.pk}-".encode(), f"+{ticket.pk}-".encode()
        ),
    ):
        assert intake.ingest_message(raw).status == Status.QUARANTINED
    assert not Comment.objects.exists()


def test_a_revoked_keys_address_is_refused(member, agent) -> None:
    ticket = file_ticket(member)
    old_address = proof.signed_reply_address(ticket, agent)
    proof.revoke(agent)
    assert proof.signed_reply_address(ticket, agent) != old_address
    raw = forged_reply(agent, ticket).replace(
        b"To: support@secondline.example", f"To: {old_address}".encode()
    )
    outcome = intake.ingest_message(raw)
    assert outcome.status == Status.QUARANTINED
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_a_customers_subject_tag_alone_is_quarantined_and_their_signed_reply_comments(
    member, outsider
) -> None:
    ticket = file_ticket(member)
    outcome = intake.ingest_message(plain(member.email, subject=f"Re: [{ticket.number}] hi"))
    assert outcome.status == Status.QUARANTINED
    assert ticket.number in outcome.message.error
    assert not Ticket.objects.exclude(pk=ticket.pk).exists()  # and no new ticket either
    raw = plain(member.email, subject=f"Re: [{ticket.number}] hi again")
    assert intake.ingest_message(signed(raw, ticket, member)).status == Status.COMMENT


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (f"{TRUSTED}; dmarc=pass (p=reject) header.from=example.com", True),
        (f"{TRUSTED}; dkim=pass header.d=example.com header.s=sel; spf=fail", True),
        # Relaxed alignment (RFC 7489 §3.2): a subdomain's signature aligns with example.com.
        (f"{TRUSTED} 1; dkim=pass header.i=@mail.example.com", True),
        (f"{TRUSTED}; dkim=pass header.d=com", False),  # a public suffix aligns with nothing
        (f"{TRUSTED}; dmarc=fail header.from=example.com", False),
        (f"{TRUSTED}; dkim=pass header.d=evil.example", False),  # not aligned
        ("mx.evil.example; dmarc=pass header.from=example.com", False),  # untrusted server
        (f"(comment) {TRUSTED}x; dmarc=pass header.from=example.com", False),
    ],
)
def test_authentication_results_count_only_from_a_trusted_server(
    member, agent, settings, header, accepted
) -> None:
    settings.MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED]
    assert agent.email.endswith("@example.com")
    ticket = file_ticket(member)
    outcome = intake.ingest_message(forged_reply(agent, ticket, Authentication_Results=header))
    assert (outcome.status == Status.COMMENT) is accepted


def test_a_pass_counts_for_nothing_while_no_server_is_trusted(member, agent) -> None:
    ticket = file_ticket(member)
    header = f"{TRUSTED}; dmarc=pass header.from=example.com"
    outcome = intake.ingest_message(forged_reply(agent, ticket, Authentication_Results=header))
    assert outcome.status == Status.QUARANTINED


@pytest.mark.parametrize(
    ("signer", "sender", "aligned"),
    [
        ("a.example.com", "example.com", True),  # a subdomain of the From domain
        ("example.com", "a.example.com", True),  # the From domain's parent
        ("a.example.com", "b.example.com", True),  # siblings under one organisation
        ("EXAMPLE.com.", "example.com", True),  # case and the root dot
        ("other.co.uk", "mail.example.co.uk", False),  # co.uk is a public suffix
        ("co.uk", "mail.example.co.uk", False),  # the suffix itself
        ("example.co.uk", "mail.example.co.uk", True),
        ("evil.example", "example.com", False),
        ("alice.github.io", "bob.github.io", False),  # a private suffix in the list
        ("", "example.com", False),
    ],
)
def test_dkim_alignment_uses_the_public_suffix_list(signer, sender, aligned) -> None:
    assert authresults.aligned(signer, sender) is aligned


def test_organizational_domains() -> None:
    assert authresults.organizational_domain("mail.example.co.uk") == "example.co.uk"
    assert authresults.organizational_domain("a.b.example.com") == "example.com"
    assert authresults.organizational_domain("co.uk") == ""


def test_a_signature_by_another_organisation_under_a_shared_suffix_does_not_vouch() -> None:
    raw = (
        b"Authentication-Results: mx.secondline.example; dkim=pass header.d=other.co.uk\r\n"
        b"From: someone@mail.example.co.uk\r\n\r\nhi\r\n"
    )
    assert authresults.vouched_for(raw, "someone@mail.example.co.uk", [TRUSTED]) == ""
    aligned = raw.replace(b"other.co.uk", b"example.co.uk")
    assert authresults.vouched_for(aligned, "someone@mail.example.co.uk", [TRUSTED]) == TRUSTED


def test_the_header_parser_reads_ids_results_and_properties() -> None:
    authserv_id, results = authresults.parse_header(
        "MX.Example.org (Postfix) 1; dkim=pass (2048-bit key; unprotected) header.d=a.example "
        'header.b="Ab1/c"; dmarc=none; arc=none'
    )
    assert authserv_id == "mx.example.org"
    assert [(r.method, r.result) for r in results] == [
        ("dkim", "pass"),
        ("dmarc", "none"),
        ("arc", "none"),
    ]
    assert results[0].properties["header.d"] == "a.example"


@pytest.fixture
def engineer_on_duty(agent):
    now = timezone.now()
    DutyShift.objects.create(
        engineer=agent, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=8)
    )
    return agent


def urgent_mail(sender: str, **headers: str) -> bytes:
    return plain(sender, subject="[Incident][Urgent] Everything is down", **headers)


def confirmation_link() -> str:
    message = mail.outbox[-1]
    match = re.search(r"http\S+/mail/urgent/\S+/", message.body)
    assert match, message.body
    return match.group(0).split("/mail/", 1)[1]


def test_a_forged_urgent_incident_pages_nobody_until_the_link_is_used(
    member, engineer_on_duty, client, sent
) -> None:
    with sent():
        outcome = intake.ingest_message(urgent_mail(member.email))
    ticket = outcome.message.result_ticket
    assert (ticket.type, ticket.priority) == (TicketType.INCIDENT, Priority.HIGH)
    assert not DutyCallout.objects.exists() and not UrgentAlert.objects.exists()
    assert mail.outbox[-1].to == [member.email]
    path = "/mail/" + confirmation_link()

    assert client.get(path).status_code == 200  # a mail scanner opening it pages nobody
    assert not UrgentAlert.objects.exists()
    with sent():
        response = client.post(path)  # nobody signed in: the signature is the proof
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT
    assert DutyCallout.objects.get(ticket=ticket)
    assert UrgentAlert.objects.filter(engineer=engineer_on_duty).exists()

    with sent():
        client.post(path)  # single use
    assert DutyCallout.objects.count() == 1
    assert UrgentConfirmation.objects.get().confirmed_at is not None


def test_a_tampered_or_expired_link_is_refused(member, client, sent, settings) -> None:
    with sent():
        intake.ingest_message(urgent_mail(member.email))
    token = confirmation_link()
    assert client.post(f"/mail/{token[:-3]}xyz/").status_code == 404
    settings.MAIL_URGENT_CONFIRM_MAX_AGE = -1
    assert client.post(f"/mail/{token}").status_code == 404
    assert not UrgentAlert.objects.exists()


def test_a_proven_urgent_incident_pages_at_once(member, engineer_on_duty, settings, sent) -> None:
    settings.MAIL_TRUSTED_AUTHSERV_IDS = [TRUSTED]
    domain = member.email.rpartition("@")[2]
    header = f"{TRUSTED}; dmarc=pass header.from={domain}"
    with sent():
        outcome = intake.ingest_message(urgent_mail(member.email, Authentication_Results=header))
    assert outcome.message.result_ticket.priority == Priority.URGENT
    assert UrgentAlert.objects.filter(engineer=engineer_on_duty).exists()
    assert not UrgentConfirmation.objects.exists()


def test_an_administrator_revokes_a_key_in_the_back_office(member, agent, admin_client) -> None:
    ticket = file_ticket(member)
    raw = signed(forged_reply(agent, ticket), ticket, agent)
    key = ReplyKey.objects.get(user=agent)
    response = admin_client.post(
        "/admin/mail/replykey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    assert intake.ingest_message(raw).status == Status.QUARANTINED


def test_the_confirmation_is_in_the_contacts_language(member, sent) -> None:
    member.language = "ru"
    member.save()
    with sent():
        intake.ingest_message(urgent_mail(member.email))
    message = mail.outbox[-1]
    assert message.subject.startswith("Подтвердите срочный инцидент")
    assert "Ссылка действует один раз, 24 часа." in message.body
