"""Mail may act only as who it proves to be (issue 16, Build 1).

A From header proves nothing: anyone can write an agent's address into it. A message acts as
its sender only with one of two proofs:

- it was sent to the sender's own signed reply address, ``support+<ticket>-<signature>@``,
  which only the notifications to that person carry (``Reply-To``). The signature is an HMAC
  of the ticket and the person, keyed by ``SECRET_KEY`` and the person's ``ReplyKey``; a new
  key (``revoke``) invalidates every address signed with the old one;
- or our mail server vouched for the sender's domain (``authresults``: DMARC, or an aligned
  DKIM signature, from an authserv-id in ``MAIL_TRUSTED_AUTHSERV_IDS``).
"""

from __future__ import annotations

import hmac
import re

from django.conf import settings
from django.utils.crypto import salted_hmac

from secondline.accounts.models import User
from secondline.mail import authresults
from secondline.mail.models import InboundMessage, ReplyKey, new_reply_secret
from secondline.mail.parse import ParsedMessage
from secondline.tickets.models import Ticket

SIGNED_RE = re.compile(r"\+(\d{1,12})-([0-9a-z]{20})@", re.IGNORECASE)
SALT = "secondline.mail.proof.reply-address"

SIGNED = "signed reply address"
AUTHENTICATED = "authenticated by %s"


def reply_key(user: User) -> ReplyKey:
    key, _created = ReplyKey.objects.get_or_create(user=user)
    return key


def revoke(user: User) -> None:
    """Every signed reply address of this person stops working; new notifications carry new
    ones."""
    ReplyKey.objects.update_or_create(user=user, defaults={"secret": new_reply_secret()})


def signature(ticket_pk: int, user: User, key: ReplyKey | None = None) -> str:
    secret = settings.SECRET_KEY + (key or reply_key(user)).secret  # keyed per person
    digest = salted_hmac(SALT, f"{ticket_pk}:{user.pk}", secret=secret, algorithm="sha256")
    return digest.hexdigest()[:20]


def signed_reply_address(ticket: Ticket, user: User | None) -> str:
    """The address a reply from ``user`` about ``ticket`` is proven by (the plain support
    address for someone without an account)."""
    local, _, domain = settings.SUPPORT_EMAIL.partition("@")
    if user is None or user.pk is None or not domain:
        return settings.SUPPORT_EMAIL
    return f"{local}+{ticket.pk}-{signature(ticket.pk, user)}@{domain}"


def signed_addresses(parsed: ParsedMessage) -> list[tuple[int, str]]:
    """The (ticket, signature) pairs of the signed reply addresses the message went to."""
    domain = "@" + settings.SUPPORT_EMAIL.rpartition("@")[2].lower()
    found = []
    for address in parsed.recipients:
        match = SIGNED_RE.search(address)
        if match and address.lower().endswith(domain):
            found.append((int(match.group(1)), match.group(2).lower()))
    return found


def signed_ticket_pk(parsed: ParsedMessage) -> int | None:
    """The ticket a signed reply address names (not yet checked against its sender)."""
    pairs = signed_addresses(parsed)
    return pairs[0][0] if pairs else None


def signed_for(parsed: ParsedMessage, ticket_pk: int, user: User) -> bool:
    pairs = [sig for pk, sig in signed_addresses(parsed) if pk == ticket_pk]
    if not pairs:
        return False
    expected = signature(ticket_pk, user)
    return any(hmac.compare_digest(sig, expected) for sig in pairs)


def proof(
    message: InboundMessage, parsed: ParsedMessage, user: User, ticket: Ticket | None = None
) -> str:
    """How the message proves it comes from ``user`` (about ``ticket``), or "" if it does not."""
    if ticket is not None and signed_for(parsed, ticket.pk, user):
        return SIGNED
    server = authresults.vouched_for(
        bytes(message.raw), parsed.sender, settings.MAIL_TRUSTED_AUTHSERV_IDS
    )
    return AUTHENTICATED % server if server else ""
