"""Every kind of history entry reads in Russian: its sentence, the values it names (priority,
status, SLA state, field, channel) and the automatic reason, with Cyrillic data around them."""

from __future__ import annotations

import pytest
from django.utils import translation

from secondline.portal.presenters import SLA_LABELS, describe
from secondline.tickets.choices import Channel, Priority, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent
from tests.portal.visible_text import english_words

Kind = TicketEvent.Kind
#: (old value, new value, field) each kind is written with, as the services write it.
VALUES: dict[str, list[tuple[str, str, str]]] = {
    Kind.PRIORITY_SET: [("", p, "priority") for p in Priority.values],
    Kind.PRIORITY_CHANGED: [(Priority.LOW, p, "priority") for p in Priority.values],
    Kind.STATUS_CHANGED: [(Status.NEW, s, "status") for s in Status.values],
    Kind.ASSIGNED: [("", "Иван Петров", "assignee"), ("Иван Петров", "", "assignee")],
    Kind.ATTACHED: [("", "журнал склада", "")],
    Kind.WATCHER_ADDED: [("", "Мила Соколова", "")],
    Kind.WATCHER_REMOVED: [("", "Мила Соколова", "")],
    Kind.SLA_CHANGED: [("", state, "") for state in SLA_LABELS],
    Kind.FIELD_CHANGED: [
        ("", "", field.name)
        for field in Ticket._meta.concrete_fields
        # the fields people edit carry a name of their own; bookkeeping ones never get an event
        if field.editable
        and not field.primary_key
        and field.verbose_name != field.name.replace("_", " ")
    ],
}


def events() -> list[TicketEvent]:
    made = []
    for kind in Kind.values:
        for old, new, field in VALUES.get(kind, [("", "", "")]):
            for channel in Channel.values:
                made.append(
                    TicketEvent(
                        kind=kind,
                        old_value=old,
                        new_value=new,
                        field=field,
                        channel=channel,
                        reason="Причина указана заказчиком.",
                    )
                )
    return made


@pytest.mark.parametrize("kind", [t.value for t in TicketType])
def test_every_history_entry_reads_in_russian(kind: str) -> None:
    ticket = Ticket(type=kind, subject="Отгрузки не проводятся")
    problems = []
    with translation.override("ru"):
        for event in events():
            line = describe(event, ticket)
            text = f"{line.text} — {line.reason} · {event.get_channel_display()}"
            if english_words(f"<p>{text}</p>"):
                problems.append(f"{event.kind}/{event.field}/{event.new_value}: {text}")
    assert not problems, "\n".join(sorted(set(problems)))
