"""Merging a duplicate into its original and linking related tickets (tickets/merging.py,
tickets/links.py), through the services every channel calls."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import User
from secondline.search import queries as search
from secondline.tickets import attachments, links, merging, services, watchers
from secondline.tickets.access import history_visible_to, tickets_visible_to
from secondline.tickets.choices import Channel, Status
from secondline.tickets.models import Ticket, TicketEvent
from tests.factories import UserFactory, consultation_draft, file_ticket, filed_long_ago

pytestmark = pytest.mark.django_db
Kind = TicketEvent.Kind


# The refusals, one line each: (the case, its inputs, the field named, the words said).
REFUSALS = [
    ("into itself", {"duplicate_id": 5, "original_id": 5}, "original", "itself"),
    ("another customer's", {"same_organization": False}, "original", "same customer"),
    ("duplicate already merged", {"duplicate_merged_into": 9}, "ticket", "SL-9"),
    ("original itself merged (a chain)", {"original_merged_into": 9}, "original", "SL-9"),
    ("others merged into the duplicate (a chain)", {"duplicate_has_merged": True}, "ticket", ""),
]


@pytest.mark.parametrize(
    ("case", "given", "field", "words"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_merge_refusals(case: str, given: dict[str, Any], field: str, words: str) -> None:
    values: dict[str, Any] = {
        "duplicate_id": 4,
        "original_id": 7,
        "same_organization": True,
        "duplicate_merged_into": None,
        "original_merged_into": None,
        "duplicate_has_merged": False,
    }
    values.update(given)
    refusal = merging.merge_refusal(**values)
    assert list(refusal) == [field]
    assert words in refusal[field]


def test_two_tickets_of_one_customer_may_merge() -> None:
    assert not merging.merge_refusal(
        duplicate_id=4,
        original_id=7,
        same_organization=True,
        duplicate_merged_into=None,
        original_merged_into=None,
        duplicate_has_merged=False,
    )


def _pair(personas: Any) -> tuple[Ticket, Ticket]:
    original = file_ticket(personas.member, consultation_draft(subject="Price list"))
    duplicate = file_ticket(personas.responsible, consultation_draft(subject="Prices again"))
    return duplicate, original


def test_a_merge_moves_the_conversation_files_and_watchers(personas: Any, sent: Any) -> None:
    duplicate, original = _pair(personas)
    watcher = UserFactory(organization=personas.customer)
    watchers.add_watcher(duplicate, personas.agent, watcher)
    services.add_comment(duplicate, personas.responsible, "Отгрузка остановлена")
    services.add_comment(duplicate, personas.agent, "checking the logs", public=False)
    upload = attachments.UploadedFile("log.txt", ContentFile(b"log"), 3)
    attachments.add_attachment(duplicate, personas.responsible, upload)
    mail.outbox.clear()
    with sent():
        merging.merge_tickets(duplicate, original, personas.agent)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into == original
    assert duplicate.closed_at is not None
    assert original.comments.count() == 2 and not duplicate.comments.exists()
    assert [a.filename for a in original.attachments.all()] == ["log.txt"]
    assert set(original.watchers.all()) == {watcher, personas.responsible}
    # each ticket's record names the other
    assert duplicate.events.get(kind=Kind.MERGED).new_value == original.number
    assert original.events.get(kind=Kind.MERGED_IN).new_value == duplicate.number
    # the duplicate's own history stays on it and shows on the original
    history = history_visible_to(personas.agent, original)
    assert history.filter(ticket=duplicate, kind=Kind.CREATED).exists()
    public = history_visible_to(personas.member, original)
    assert not public.filter(is_public=False).exists()
    # the search follows the comments
    found = search.ranked(tickets_visible_to(personas.agent), "отгрузк", internal=True)
    assert list(found) == [original]


def test_the_requester_of_the_duplicate_is_told_once_in_their_language(
    personas: Any, sent: Any
) -> None:
    User.objects.filter(pk=personas.responsible.pk).update(language="ru")
    with sent():
        duplicate, original = _pair(personas)
    mail.outbox.clear()
    with sent():
        merging.merge_tickets(duplicate, original, personas.agent)
    told = [m for m in mail.outbox if m.to == [personas.responsible.email]]
    assert len(told) == 1
    assert duplicate.number in told[0].subject and original.number in told[0].subject
    assert f"объединена с заявкой {original.number}" in told[0].body
    # the original's requester and the actor hear nothing of it
    assert not [m for m in mail.outbox if m.to == [personas.member.email]]
    assert not [m for m in mail.outbox if m.to == [personas.agent.email]]


def test_the_duplicates_sla_clock_stops(personas: Any) -> None:
    duplicate, original = _pair(personas)
    assert Ticket.objects.get(pk=duplicate.pk).sla_next_check_at is not None
    merging.merge_tickets(duplicate, original, personas.agent)
    duplicate.refresh_from_db()
    assert duplicate.sla_next_check_at is None


def test_the_merge_is_announced_for_both_tickets(personas: Any, heard: Any) -> None:
    duplicate, original = _pair(personas)
    heard.clear()
    merging.merge_tickets(duplicate, original, personas.agent, Channel.API)
    assert [(c.event.kind, c.ticket.pk) for c in heard.changed] == [
        (Kind.MERGED, duplicate.pk),
        (Kind.MERGED_IN, original.pk),
    ]


def test_only_the_contractors_staff_merge(personas: Any) -> None:
    duplicate, original = _pair(personas)
    with pytest.raises(AccessDenied):
        merging.merge_tickets(duplicate, original, personas.responsible)


def test_tickets_of_two_customers_do_not_merge(personas: Any) -> None:
    duplicate, _original = _pair(personas)
    theirs = file_ticket(personas.outsider, consultation_draft())
    with pytest.raises(ValidationError) as refused:
        merging.merge_tickets(duplicate, theirs, personas.agent)
    assert "original" in refused.value.message_dict
    assert Ticket.objects.get(pk=duplicate.pk).merged_into is None


def test_no_chains(personas: Any) -> None:
    duplicate, original = _pair(personas)
    third = file_ticket(personas.member, consultation_draft())
    merging.merge_tickets(duplicate, original, personas.agent)
    with pytest.raises(ValidationError) as into_merged:
        merging.merge_tickets(third, duplicate, personas.agent)
    assert original.number in into_merged.value.message_dict["original"][0]
    with pytest.raises(ValidationError) as merged_on:
        merging.merge_tickets(original, third, personas.agent)
    assert "ticket" in merged_on.value.message_dict
    with pytest.raises(ValidationError) as refused:
        merging.merge_tickets(duplicate, third, personas.agent)
    assert "already merged into" in refused.value.message_dict["ticket"][0]


def test_a_merged_ticket_stays_closed_and_replies_go_to_the_original(personas: Any) -> None:
    duplicate, original = _pair(personas)
    merging.merge_tickets(duplicate, original, personas.agent)
    with pytest.raises(ValidationError) as refused:
        services.change_status(duplicate, personas.agent, Status.IN_PROGRESS)
    assert original.number in refused.value.message_dict["status"][0]
    comment = services.add_comment(duplicate, personas.responsible, "one more thing")
    assert comment.ticket_id == original.pk


def test_work_logs_stay_on_the_duplicate(personas: Any) -> None:
    """The work was done and billed under the duplicate's number: a merge leaves it there."""
    import datetime as dt

    from secondline.billing.worklogs import WorkEntry, log_work

    duplicate, original = _pair(personas)
    duplicate = filed_long_ago(duplicate)
    started = dt.datetime(2024, 11, 1, 8, tzinfo=dt.UTC)
    log = log_work(
        duplicate, personas.agent, WorkEntry("fix", started, started + dt.timedelta(hours=1))
    )
    merging.merge_tickets(duplicate, original, personas.agent)
    log.refresh_from_db()
    assert log.ticket_id == duplicate.pk


def test_links_are_symmetric_audited_and_once(personas: Any, heard: Any) -> None:
    one = file_ticket(personas.member, consultation_draft())
    two = file_ticket(personas.member, consultation_draft())
    heard.clear()
    links.link_tickets(two, one, personas.agent)
    assert list(links.related_tickets(personas.member, one)) == [two]
    assert list(links.related_tickets(personas.member, two)) == [one]
    assert [(c.event.kind, c.event.new_value) for c in heard.changed] == [
        (Kind.LINKED, one.number),
        (Kind.LINKED, two.number),
    ]
    with pytest.raises(ValidationError) as twice:
        links.link_tickets(one, two, personas.agent)
    assert "ticket" in twice.value.message_dict
    links.unlink_tickets(one, two, personas.agent)
    assert not links.related_tickets(personas.agent, one).exists()
    assert one.events.filter(kind=Kind.UNLINKED, new_value=two.number).exists()
    with pytest.raises(ValidationError) as refused:
        links.unlink_tickets(one, two, personas.agent)
    assert set(refused.value.message_dict) == {"ticket"}


LINK_REFUSALS = [
    ("itself", "same", "itself"),
    ("another customer's", "other", "same customer"),
]


@pytest.mark.parametrize(
    ("case", "which", "words"), LINK_REFUSALS, ids=[r[0] for r in LINK_REFUSALS]
)
def test_link_refusals(personas: Any, case: str, which: str, words: str) -> None:
    one = file_ticket(personas.member, consultation_draft())
    other = one if which == "same" else file_ticket(personas.outsider, consultation_draft())
    with pytest.raises(ValidationError) as refused:
        links.link_tickets(one, other, personas.agent)
    assert words in refused.value.message_dict["ticket"][0]


def test_only_staff_link(personas: Any) -> None:
    one = file_ticket(personas.member, consultation_draft())
    two = file_ticket(personas.member, consultation_draft())
    with pytest.raises(AccessDenied):
        links.link_tickets(one, two, personas.responsible)


def test_each_related_ticket_is_listed_once(personas: Any) -> None:
    one, two, three = (file_ticket(personas.member, consultation_draft()) for _ in range(3))
    links.link_tickets(one, two, personas.agent)
    links.link_tickets(three, one, personas.agent)
    links.link_tickets(two, three, personas.agent)
    assert list(links.related_tickets(personas.member, one)) == [two, three]
    assert list(links.related_tickets(personas.outsider, one)) == []
