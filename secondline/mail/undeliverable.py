"""Addresses that bounce for good: a bounce or an SMTP refusal saying the address is gone marks
its person, and no notification goes to them until the address changes or the staff clear the
mark (``accounts.User.email_undeliverable_*``, docs/email.md)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone

from secondline.accounts.models import User

#: An enhanced mail system status code (RFC 3463: class.subject.detail), in a delivery
#: status report (RFC 3464 ``Status``, ``Diagnostic-Code``) or an SMTP reply (RFC 2034).
STATUS_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# Permanent failures that do not say the address is gone (RFC 3463, section 3): another email
# to it may pass, so the address is not marked for them.
NOT_THE_ADDRESS_SUBJECTS = frozenset(
    {
        "6",  # X.6.X media: the content could not be converted or delivered
        "7",  # X.7.X security or policy: a spam filter, our own SPF or DKIM, relaying denied
    }
)
NOT_THE_ADDRESS_STATUSES = frozenset(
    {
        "5.2.2",  # mailbox full: emptied again by its owner (a soft bounce to mail senders)
        "5.2.3",  # message length exceeds an administrative limit
        "5.3.4",  # message too big for the system
    }
)
# The outbox's note on a notification not sent because its address is marked undeliverable.
UNDELIVERABLE = (
    "not sent: emails to this address bounce since {since:%Y-%m-%d %H:%M} UTC ({reason})"
)


def address_is_gone(report: str, *, without_status: bool = False) -> bool:
    """Whether a failure report (a bounce's ``Status`` and diagnostic, or the SMTP server's
    reply) says the address itself refuses mail for good: its first enhanced status code is
    permanent (5.X.X; a 4.X.X soft bounce is not) and about the address (5.1.1 user unknown,
    5.1.2 no such domain, 5.2.1 mailbox disabled), not the message or a policy.
    ``without_status`` is the answer for a report that gives no code."""
    found = STATUS_CODE.search(report)
    if found is None:
        return without_status
    kind, subject, _detail = found.groups()
    return (
        kind == "5"
        and subject not in NOT_THE_ADDRESS_SUBJECTS
        and found.group(0) not in NOT_THE_ADDRESS_STATUSES
    )


def mark_undeliverable(address: str, reason: str) -> int:
    """Mark the person with ``address`` (in any letter case) as one whose emails bounce, with
    when and why, so that no notification goes to them until the address changes or the
    staff clear the mark (``accounts.User``). A mark already there keeps its first date. An
    address nobody has is left alone: notifications go only to people. How many were marked."""
    return (
        User.objects.alias(lower_email=Lower("email"))
        .filter(lower_email=Lower(Value(address)), email_undeliverable_since__isnull=True)
        .update(email_undeliverable_since=timezone.now(), email_undeliverable_reason=reason[:500])
    )


def undeliverable_note(user: User, address: str) -> str:
    """The outbox's note on an email to ``address`` not sent because ``user`` is marked as
    one whose emails bounce, or "" when it may go (no mark, or the mark is not for it)."""
    since = user.email_undeliverable_since
    if since is None or user.email.lower() != address.lower():
        return ""
    return UNDELIVERABLE.format(
        since=since.astimezone(dt.UTC), reason=user.email_undeliverable_reason
    )
