"""One poller per mailbox: a lease with an expiry that the poller renews while it works.

A poller takes the lease with a conditional update (free, or expired), renews it as it goes
(``keep``: at most every third of ``MAIL_POLL_LEASE_SECONDS``, a minute by default) and gives
it back at the end. A poller that dies (``kill -9``, a lost worker) stops renewing, so the
mailbox is free again within the lease's length. Should a poller stall past its lease and
another take over, the first finds out at its next ``keep`` and stops (``LeaseLost``); the
intake being idempotent, a message both fetched is stored and routed once all the same.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from secondline.mail.models import Mailbox


class LeaseLost(Exception):
    """Another poller holds the mailbox now: this one stops."""


class Lease:
    def __init__(self, mailbox_pk: int) -> None:
        self.mailbox_pk = mailbox_pk
        self.owner = uuid.uuid4().hex
        self.renewed_at: dt.datetime | None = None

    @staticmethod
    def length() -> dt.timedelta:
        return dt.timedelta(seconds=settings.MAIL_POLL_LEASE_SECONDS)

    def take(self) -> bool:
        """Hold the mailbox if it is free or its lease expired; whether we hold it now."""
        now = timezone.now()
        taken = (
            Mailbox.objects.filter(pk=self.mailbox_pk, is_active=True)
            .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
            .update(poll_lease_owner=self.owner, poll_lease_until=now + self.length())
        )
        if taken:
            self.renewed_at = now
        return bool(taken)

    def keep(self) -> None:
        """Renew the lease when a third of it has passed; ``LeaseLost`` if another took it."""
        now = timezone.now()
        if self.renewed_at is not None and now - self.renewed_at < self.length() / 3:
            return
        renewed = Mailbox.objects.filter(pk=self.mailbox_pk, poll_lease_owner=self.owner).update(
            poll_lease_until=now + self.length()
        )
        if not renewed:
            raise LeaseLost("another poller took over this mailbox")
        self.renewed_at = now

    def release(self) -> None:
        Mailbox.objects.filter(pk=self.mailbox_pk, poll_lease_owner=self.owner).update(
            poll_lease_owner="", poll_lease_until=None
        )
