"""Answers written by BuiltOnceModelSerializer are exactly the ones DRF's own path writes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework import serializers

from secondline.accounts.models import Contract, Organization, User
from secondline.api import serializers as s
from secondline.api.built_once import _fresh, every_serializer_class
from secondline.tickets import services
from secondline.tickets.choices import Status
from secondline.tickets.models import Attachment, Comment, Ticket, TicketEvent
from tests.factories import Personas, consultation_draft, file_ticket

pytestmark = pytest.mark.django_db


def drf_answer(serializer: serializers.Serializer, instance: Any) -> dict[str, Any]:
    """What DRF's Serializer.to_representation writes, field by bound field."""
    return serializers.Serializer.to_representation(serializer, instance)  # type: ignore[no-any-return]


@pytest.fixture
def tickets_in_every_shape(personas: Personas) -> list[Ticket]:
    """New, assigned and watched, commented, in progress, waiting, resolved and declined."""
    member, agent = personas.member, personas.agent
    new = file_ticket(member)
    busy = file_ticket(member, consultation_draft(watchers=[personas.responsible]))
    services.assign(busy, agent, agent)
    services.add_comment(busy, agent, "Looking at it", public=True)
    services.add_comment(busy, agent, "Internal note", public=False)
    log = SimpleUploadedFile("log.txt", b"trace", content_type="text/plain")
    services.add_attachment(busy, member, services.UploadedFile("log.txt", log, log.size))
    services.change_status(busy, agent, Status.IN_PROGRESS)
    waiting = file_ticket(member)
    services.change_status(waiting, agent, Status.WAITING_FOR_CUSTOMER, reason="Need logs")
    resolved = file_ticket(member)
    services.change_status(resolved, agent, Status.RESOLVED, reason="Fixed")
    declined = file_ticket(member)
    services.decline_ticket(declined, agent, "duplicate", "Same as another")
    return list(
        Ticket.objects.filter(
            pk__in=[t.pk for t in (new, busy, waiting, resolved, declined)]
        ).order_by("pk")
    )


def instances_for(model: type[Any]) -> list[Any]:
    return list(model.objects.order_by("pk"))


@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_answer_matches_drfs_own(tickets_in_every_shape: list[Ticket], language: str) -> None:
    shown = 0
    with translation.override(language):
        for serializer_class in every_serializer_class():
            model = serializer_class.Meta.model
            for instance in instances_for(model):
                fast = serializer_class(instance)
                reference = serializer_class(instance)
                assert list(fast.data.items()) == list(drf_answer(reference, instance).items())
                shown += 1
    assert shown > 20
    models = {c.Meta.model for c in every_serializer_class()}
    assert {Ticket, Comment, TicketEvent, Attachment, User, Organization, Contract} <= models


def test_a_list_writes_each_row_as_drf_would(tickets_in_every_shape: list[Ticket]) -> None:
    tickets = list(Ticket.objects.order_by("pk"))
    listed = s.TicketSerializer(tickets, many=True).data
    child = s.TicketSerializer(tickets, many=True).child
    assert [dict(row) for row in listed] == [drf_answer(child, t) for t in tickets]
    assert {row["sla_explanation"] for row in listed} == {None}


def test_column_fields_show_what_the_model_holds(tickets_in_every_shape: list[Ticket]) -> None:
    declined = tickets_in_every_shape[-1]
    answer = s.TicketSerializer(declined).data
    assert answer["status"] == "declined" and answer["decline_reason"] == "duplicate"
    assert answer["organization"] == declined.organization_id
    assert answer["created_at"] == serializers.DateTimeField().to_representation(
        declined.created_at
    )
    assert answer["number"] == declined.number
    busy = tickets_in_every_shape[1]
    answer = s.TicketSerializer(busy).data
    assert answer["assignee"]["id"] == busy.assignee_id and answer["watchers"]


def test_a_nested_copy_owns_its_child(tickets_in_every_shape: list[Ticket]) -> None:
    watchers = s.TicketSerializer().fields["watchers"]
    again = _fresh(watchers)
    assert again.child_relation is not watchers.child_relation  # type: ignore[attr-defined]
    assert again.child_relation.parent is again  # type: ignore[attr-defined]
    person = s.TicketSerializer().fields["requester"]
    person.fields  # noqa: B018 - a used serializer is deep-copied, never shared
    assert _fresh(person).fields is not person.fields  # type: ignore[attr-defined]
