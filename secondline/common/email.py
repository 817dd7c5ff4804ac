"""What every email SecondLine sends by itself carries, whichever app sends it."""

from __future__ import annotations

from email.utils import formatdate, make_msgid
from typing import Protocol

from django.conf import settings


class Numbered(Protocol):
    """Anything with a ticket number (a ticket)."""

    @property
    def number(self) -> str: ...


def automatic_headers(ticket: Numbered | None = None, *, replied: bool = False) -> dict[str, str]:
    """The headers of every email SecondLine sends by itself: marked automatic (RFC 3834) so
    robots, and our own intake, never answer it, and Exchange is asked not to either; and a
    Message-ID on our own ``MAIL_DOMAIN`` (Django's default names the host it runs on), which
    a caller that keeps the id (a notification) replaces with its own."""
    headers = {
        "Message-ID": make_msgid(domain=settings.MAIL_DOMAIN),
        "Auto-Submitted": "auto-replied" if replied else "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "Date": formatdate(localtime=True),
    }
    if ticket is not None:
        headers["X-SecondLine-Ticket"] = ticket.number
    return headers
