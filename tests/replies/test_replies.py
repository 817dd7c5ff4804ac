"""Canned replies and macros: placeholders, who may use which, and a macro that does all it
says through the ticket services or nothing at all."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from secondline.replies import services
from secondline.replies.models import CannedReply, Macro
from secondline.tickets.choices import Priority, Status
from secondline.tickets.models import Comment, Ticket, TicketEvent
from tests.factories import Personas, consultation_draft, file_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(personas: Personas) -> Ticket:
    personas.member.first_name, personas.member.last_name = "Анна", "Петрова"
    personas.member.language = "ru"
    personas.member.save()
    return file_ticket(personas.member, consultation_draft(subject="Прайс-лист"))


@pytest.fixture
def resolve(personas: Personas) -> Macro:
    return Macro.objects.create(
        title="Answer and resolve",
        reply="{requester_first_name}, {ticket_number} is solved.",
        status=Status.RESOLVED,
        assign=Macro.Assign.ME,
    )


def test_placeholders_are_filled_from_the_ticket(personas: Personas, ticket: Ticket) -> None:
    reply = CannedReply.objects.create(
        title="Got it",
        language="ru",
        body="Здравствуйте, {requester_name}! Заявка {ticket_number} «{subject}» "
        "({organization}), реакция до {reaction_due}. {agent_name}. {unknown}",
    )
    personas.agent.first_name, personas.agent.last_name = "Иван", "Смирнов"
    text = services.reply_text(reply, ticket, personas.agent)
    assert text.startswith(f"Здравствуйте, Анна Петрова! Заявка {ticket.number} «Прайс-лист» ")
    assert "(Volga Logistics)" in text and "Иван Смирнов. {unknown}" in text
    assert "{reaction_due}" not in text and str(ticket.reaction_due_at.year) in text  # type: ignore[union-attr]


def test_the_team_shares_and_each_keeps_their_own(personas: Personas) -> None:
    team = CannedReply.objects.create(title="Team", body="x")
    mine = CannedReply.objects.create(title="Mine", body="x", owner=personas.agent)
    CannedReply.objects.create(title="The manager's", body="x", owner=personas.manager)
    assert set(services.replies_for(personas.agent)) == {team, mine}
    assert list(services.replies_for(personas.member)) == []
    assert services.may_edit(personas.agent, mine) and not services.may_edit(personas.agent, team)
    assert services.may_edit(personas.manager, team)


def test_a_macro_replies_assigns_and_resolves_in_one_action(
    personas: Personas, ticket: Ticket, resolve: Macro
) -> None:
    result = services.apply_macro(resolve, ticket, personas.agent)
    assert result.status == Status.RESOLVED and result.assignee == personas.agent
    comment = Comment.objects.get(ticket=ticket)
    assert comment.body == f"Анна, {ticket.number} is solved." and comment.is_public
    assert result.first_reaction_at is not None  # the public reply is the reaction
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-3:] == ["commented", "assigned", "status_changed"]


def test_a_macro_the_rules_refuse_changes_nothing(personas: Personas, ticket: Ticket) -> None:
    close = Macro.objects.create(
        title="Close",
        reply="Closing.",
        priority=Priority.LOW,
        priority_reason="Not urgent",
        status=Status.CLOSED,  # a new ticket cannot be closed by the contractor
    )
    events = TicketEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.apply_macro(close, ticket, personas.agent)
    assert "status" in refused.value.message_dict
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW and ticket.priority != Priority.LOW
    assert not Comment.objects.exists() and TicketEvent.objects.count() == events


def test_only_staff_apply_macros_and_only_those_they_may_use(
    personas: Personas, ticket: Ticket, resolve: Macro
) -> None:
    from secondline.accounts.access import AccessDenied

    with pytest.raises(AccessDenied):
        services.apply_macro(resolve, ticket, personas.member)
    private = Macro.objects.create(
        title="Manager's", status=Status.ACCEPTED, owner=personas.manager
    )
    with pytest.raises(ValidationError) as refused:
        services.apply_macro(private, ticket, personas.agent)
    assert set(refused.value.message_dict) == {"macro"}


def test_a_macro_must_do_something_and_give_the_priority_a_reason() -> None:
    with pytest.raises(ValidationError) as refused:
        Macro(title="Nothing").full_clean()
    assert "reply" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        Macro(title="Bump", priority=Priority.HIGH, assign=Macro.Assign.PERSON).full_clean()
    assert {"priority_reason", "assignee"} <= set(refused.value.message_dict)


def test_the_desk_inserts_a_reply_and_applies_a_macro(
    client: Any, personas: Personas, ticket: Ticket, resolve: Macro
) -> None:
    reply = CannedReply.objects.create(title="Hello", body="Добрый день, {requester_name}!")
    client.force_login(personas.agent)
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="canned-reply"' in page and "Answer and resolve" in page
    box = client.get(f"/replies/tickets/{ticket.pk}/answer/", {"reply": reply.pk})
    assert box.content.decode().strip().endswith(">Добрый день, Анна Петрова!</textarea>")
    answer = client.post(f"/replies/macros/{resolve.pk}/tickets/{ticket.pk}/")
    assert answer.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_customers_and_outsiders_get_nothing(
    client: Any, personas: Personas, ticket: Ticket, resolve: Macro
) -> None:
    client.force_login(personas.member)
    assert 'id="canned-reply"' not in client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert client.get("/replies/").status_code == 404
    assert client.post(f"/replies/macros/{resolve.pk}/tickets/{ticket.pk}/").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW


def test_an_agent_keeps_their_own_on_the_replies_page(client: Any, personas: Personas) -> None:
    client.force_login(personas.agent)
    answer = client.post(
        "/replies/", {"kind": "reply", "title": "Logs", "language": "en", "body": "Send logs."}
    )
    assert answer.status_code == 302
    assert CannedReply.objects.get().owner == personas.agent
    refused = client.post("/replies/", {"kind": "macro", "title": "Empty"})
    assert refused.status_code == 400 and Macro.objects.count() == 0
    assert "A macro must reply or change something." in refused.content.decode()


def test_the_api_lists_renders_and_applies(
    client: Any, personas: Personas, ticket: Ticket, resolve: Macro
) -> None:
    client.force_login(personas.agent)
    reply = client.post(
        "/api/canned-replies/",
        {"title": "Hi", "language": "ru", "body": "Здравствуйте, {requester_name}"},
        content_type="application/json",
    ).json()
    rendered = client.get(f"/api/canned-replies/{reply['id']}/render/", {"ticket": ticket.pk})
    assert rendered.json()["body"] == "Здравствуйте, Анна Петрова"
    assert [m["title"] for m in client.get("/api/macros/").json()] == ["Answer and resolve"]
    applied = client.post(
        f"/api/macros/{resolve.pk}/apply/", {"ticket": ticket.pk}, content_type="application/json"
    )
    assert applied.status_code == 200 and applied.json()["status"] == "resolved"
    team = client.post(
        "/api/macros/", {"title": "T", "status": "accepted", "team": True}, "application/json"
    )
    assert team.status_code == 403
    bad = client.post("/api/macros/", {"title": "T", "priority": "high"}, "application/json")
    assert bad.status_code == 400 and "priority_reason" in bad.json()
    client.force_login(personas.member)
    assert client.get("/api/macros/").status_code == 403
