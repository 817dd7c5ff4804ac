"""Plain-SQL writes store exactly what the ORM would."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from secondline import writes
from secondline.mail.models import InboundMessage, Notification
from secondline.tickets import services
from secondline.tickets.models import Comment, Ticket, TicketEvent
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db

WRITTEN = [Ticket, TicketEvent, Comment, Notification, InboundMessage]
MOSCOW = ZoneInfo("Europe/Moscow")


def samples(field: models.Field[Any, Any]) -> list[Any]:
    """Values of the kinds the short ways take, and of the kinds they leave to the field."""
    values: list[Any] = [None] if field.null else []
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.CharField | models.TextField):
        values += ["", "Shipments", "Отгрузки", gettext_lazy("Open"), 42]
    elif isinstance(target, models.BooleanField):
        values += [True, False]
    elif isinstance(target, models.IntegerField | models.AutoField):
        values += [0, 7, 2**62, "12", True]
    elif isinstance(target, models.DateTimeField):
        now = timezone.now()
        values += [now, now.astimezone(MOSCOW), dt.datetime(2026, 3, 8, 10, 0, tzinfo=dt.UTC)]
    return values


@pytest.mark.parametrize("model", WRITTEN, ids=lambda m: m.__name__)
def test_each_column_is_prepared_as_the_field_prepares_it(model: type[models.Model]) -> None:
    checked = 0
    for field in model._meta.concrete_fields:
        prepare = writes.preparer(field, connection)
        for value in samples(field):
            assert prepare(value) == field.get_db_prep_save(value, connection), (field, value)
            assert type(prepare(value)) is type(field.get_db_prep_save(value, connection))
            checked += 1
    assert checked > 5


def _columns(obj: models.Model) -> dict[str, Any]:
    """The written columns, less the primary key and the times a write sets itself."""
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if not f.primary_key and not writes._computed(f)
    }


def test_rows_read_back_as_they_were_written(personas: Any) -> None:
    ticket = file_ticket(personas.member)
    assert _columns(Ticket.objects.get(pk=ticket.pk)) == _columns(ticket)
    services.add_comment(ticket, personas.agent, "Comment with «quotes» and ü", public=True)
    written = [
        ticket,
        *TicketEvent.objects.filter(ticket=ticket),
        *Comment.objects.filter(ticket=ticket),
        *Notification.objects.filter(ticket=ticket),
    ]
    assert {type(obj) for obj in written} >= {Ticket, TicketEvent, Comment, Notification}
    for obj in written:
        copy = type(obj)(**_columns(obj))
        if isinstance(copy, Notification):
            copy.message_id = f"copy-{obj.message_id}"  # unique
        writes.insert([copy])
        assert copy.pk and copy.pk != obj.pk
        again = type(obj).objects.get(pk=copy.pk)
        assert _columns(again) == _columns(copy)
        for field in obj._meta.concrete_fields:
            if writes._computed(field):  # auto_now(_add): the time of this write
                assert getattr(again, field.attname) >= getattr(obj, field.attname)
