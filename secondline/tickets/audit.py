"""An organisation's record as a file: every event of its tickets, as CSV or JSON.

Who may export what is decided in ``tickets.access.audit_events_visible_to``. Both formats are
produced row by row from a server-side iterator, so a history of any length is streamed in
constant memory rather than built in one piece.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

from django.db.models import QuerySet

from secondline.common import spreadsheet
from secondline.tickets.models import TICKET_NUMBER_PREFIX, TicketEvent

COLUMNS = (
    "id",
    "ticket",
    "at",
    "actor",
    "kind",
    "channel",
    "field",
    "old_value",
    "new_value",
    "reason",
    "is_public",
)
CHUNK = 2000


def ordered(events: QuerySet[TicketEvent]) -> QuerySet[TicketEvent]:
    return events.select_related("actor").order_by("created_at", "id")


def row(event: TicketEvent) -> dict[str, object]:
    """One event as plain values; times in UTC, the ticket by the number customers quote."""
    at: dt.datetime = event.created_at
    return {
        "id": event.pk,
        "ticket": f"{TICKET_NUMBER_PREFIX}-{event.ticket_id}",
        "at": at.astimezone(dt.UTC).isoformat(),
        "actor": event.actor.username if event.actor else "",
        "kind": event.kind,
        "channel": event.channel,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "reason": event.shown_reason,
        "is_public": event.is_public,
    }


class _Line:
    """A file-like object whose ``write`` hands the line back instead of keeping it."""

    def write(self, text: str) -> str:
        return text


def csv_lines(events: QuerySet[TicketEvent]) -> Iterator[str]:
    """The header, then one line per event; every cell through the formula-safe writer."""
    writer = spreadsheet.writer(_Line())
    yield "\ufeff" + writer.writerow(COLUMNS)
    for event in ordered(events).iterator(chunk_size=CHUNK):
        yield writer.writerow(row(event).values())


def json_chunks(events: QuerySet[TicketEvent]) -> Iterator[str]:
    """A JSON array of the rows, written as it is read."""
    yield "["
    separator = ""
    for event in ordered(events).iterator(chunk_size=CHUNK):
        yield separator + json.dumps(row(event), ensure_ascii=False)
        separator = ","
    yield "]"
