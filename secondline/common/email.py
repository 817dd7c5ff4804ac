"""What every email SecondLine sends by itself carries, whichever app sends it."""

from __future__ import annotations

from email.utils import formatdate
from typing import Protocol


class Numbered(Protocol):
    """Anything with a ticket number (a ticket)."""

    @property
    def number(self) -> str: ...


def automatic_headers(ticket: Numbered | None = None, *, replied: bool = False) -> dict[str, str]:
    """The headers of every email SecondLine sends by itself: marked automatic (RFC 3834) so
    robots, and our own intake, never answer it, and Exchange is asked not to either."""
    headers = {
        "Auto-Submitted": "auto-replied" if replied else "auto-generated",
        "X-Auto-Response-Suppress": "All",
        "Date": formatdate(localtime=True),
    }
    if ticket is not None:
        headers["X-SecondLine-Ticket"] = ticket.number
    return headers
