"""What every email SecondLine sends by itself carries, whichever app sends it."""

from __future__ import annotations

from collections.abc import Callable
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


ThreadFinder = Callable[[int, str], list[str]]
_thread_finders: list[ThreadFinder] = []


def find_threads_with(finder: ThreadFinder) -> None:
    """Name how to find the Message-IDs a recipient already holds about a ticket, oldest first.
    The mail app, which keeps them, registers its finder when it starts; an app below it (the
    SLA alerts) threads its emails through ``threading_headers_for`` without importing it."""
    if finder not in _thread_finders:
        _thread_finders.append(finder)


def threading_headers(references: list[str]) -> dict[str, str]:
    """In-Reply-To (the latest) and References, or nothing when there is nothing to name."""
    if not references:
        return {}
    return {"In-Reply-To": references[-1], "References": " ".join(references)}


def threading_headers_for(ticket_id: int, to_email: str) -> dict[str, str]:
    """The threading headers of an email about a ticket to ``to_email``: it joins the mail the
    recipient already has about that ticket, and names no Message-ID that was never sent."""
    found = (mid for finder in _thread_finders for mid in finder(ticket_id, to_email))
    return threading_headers(list(dict.fromkeys(found)))
