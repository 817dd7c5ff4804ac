"""The record is append-only: comments and events are never edited or deleted, tickets are
never deleted, a comment is corrected with its old text kept, and the admin's own changes are
in its history (docs/security.md, The record)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import ProtectedError
from django.urls import reverse

from secondline.accounts.access import AccessDenied
from secondline.accounts.models import Contract, User
from secondline.tickets import services
from secondline.tickets.corrections import correct_comment
from secondline.tickets.models import AppendOnlyError, Attachment, Comment, Ticket, TicketEvent
from tests.factories import file_ticket

pytestmark = pytest.mark.django_db


def test_a_comment_cannot_be_saved_again_or_deleted(member: User) -> None:
    comment = services.add_comment(file_ticket(member), member, "Our invoice is wrong")
    comment.body = "Silently rewritten"
    with pytest.raises(AppendOnlyError):
        comment.save()
    with pytest.raises(AppendOnlyError):
        comment.delete()
    with pytest.raises(AppendOnlyError):
        Comment.objects.filter(pk=comment.pk).delete()
    with pytest.raises(AppendOnlyError):
        TicketEvent.objects.all().delete()
    assert Comment.objects.get(pk=comment.pk).body == "Our invoice is wrong"


def test_a_ticket_with_a_history_cannot_be_deleted(member: User) -> None:
    ticket = file_ticket(member)
    with pytest.raises(ProtectedError):
        ticket.delete()
    with pytest.raises(ProtectedError):
        Ticket.objects.filter(pk=ticket.pk).delete()
    assert ticket.events.exists()


def test_an_attachment_row_deleted_takes_its_file_along(
    member: User, personas, django_capture_on_commit_callbacks
) -> None:
    # A ticket without history (made in a shell) is the one a deletion can still reach.
    ticket = Ticket.objects.create(
        organization=personas.customer,
        contract=personas.contract,
        requester=member,
        type="consultation",
        priority="normal",
        channel="web",
        subject="Scratch",
        description="-",
    )
    attachment = Attachment(ticket=ticket, uploaded_by=member, filename="a.txt", size=2)
    attachment.file.save("a.txt", ContentFile(b"hi"), save=False)
    attachment.save()
    name = attachment.file.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        ticket.delete()
    assert not default_storage.exists(name)


def test_staff_correct_a_comment_and_the_old_text_stays_in_the_history(
    member: User, agent: User, heard
) -> None:
    comment = services.add_comment(file_ticket(member), member, "My password is hunter2")
    corrected = correct_comment(comment, agent, "My password is ****", "A password was posted")
    assert corrected.body == "My password is ****" and corrected.corrected_at is not None
    event = comment.ticket.events.get(kind=TicketEvent.Kind.COMMENT_CORRECTED)
    assert event.old_value == "My password is hunter2"
    assert event.new_value == "My password is ****"
    assert event.reason == "A password was posted"
    assert event.actor == agent and event.is_public and event.field == f"comment:{comment.pk}"
    assert heard.changed[-1].event == event and heard.changed[-1].comment == corrected


def test_an_internal_notes_correction_stays_internal(member: User, agent: User) -> None:
    note = services.add_comment(file_ticket(member), agent, "Customer is rude", public=False)
    correct_comment(note, agent, "Customer is upset", "Tone")
    event = note.ticket.events.get(kind=TicketEvent.Kind.COMMENT_CORRECTED)
    assert not event.is_public


def test_only_staff_correct_with_a_reason_and_new_text(member: User, agent: User) -> None:
    comment = services.add_comment(file_ticket(member), member, "Hello")
    with pytest.raises(AccessDenied):
        correct_comment(comment, member, "Bye", "Mine")
    with pytest.raises(ValidationError) as error:
        correct_comment(comment, agent, " ", " ")
    assert set(error.value.message_dict) == {"body", "reason"}
    with pytest.raises(ValidationError) as refused:
        correct_comment(comment, agent, "Hello", "No change")
    assert "already says this" in refused.value.message_dict["body"][0]
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.COMMENT_CORRECTED).exists()


@pytest.mark.parametrize("model", [Ticket, Comment, TicketEvent, Attachment, LogEntry])
def test_the_record_is_view_only_in_the_admin(model, admin_client, rf) -> None:
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = User.objects.get(username="boss")
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert "delete_selected" not in model_admin.get_actions(request)


def test_a_comment_cannot_be_changed_or_deleted_through_the_admin(admin_client, member) -> None:
    comment = services.add_comment(file_ticket(member), member, "Original")
    change = reverse("admin:tickets_comment_change", args=[comment.pk])
    assert admin_client.get(change).status_code == 200  # it can be read
    edit = {"body": "Rewritten", "is_public": "on", "channel": "web"}
    assert admin_client.post(change, edit).status_code == 403
    delete = reverse("admin:tickets_comment_delete", args=[comment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    ticket_delete = reverse("admin:tickets_ticket_delete", args=[comment.ticket_id])
    assert admin_client.post(ticket_delete, {"post": "yes"}).status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "Original"
    assert Ticket.objects.filter(pk=comment.ticket_id).exists()


def test_no_admin_keeps_its_changes_out_of_the_history() -> None:
    for model_admin in admin.site._registry.values():
        for hook in ("log_addition", "log_change", "log_deletion", "log_deletions"):
            if hasattr(admin.ModelAdmin, hook):
                assert getattr(type(model_admin), hook) is getattr(admin.ModelAdmin, hook), (
                    type(model_admin),
                    hook,
                )


def test_changing_a_contract_in_the_admin_leaves_its_changed_fields_in_the_history(
    admin_client, personas
) -> None:
    contract: Contract = personas.contract
    url = reverse("admin:accounts_contract_change", args=[contract.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: "" if (value := form[name].value()) is None else value for name in form.fields}
    data.update(hourly_rate="5000.00", notes="New rate from January")
    answer = admin_client.post(url, data)
    assert answer.status_code == 302, answer.context["adminform"].form.errors
    entry = LogEntry.objects.get(object_id=str(contract.pk), action_flag=CHANGE)
    assert entry.user.username == "boss"
    assert "Hourly rate" in entry.get_change_message()
    assert "Notes" in entry.get_change_message()
    history = admin_client.get(reverse("admin:admin_logentry_changelist"))
    assert history.status_code == 200 and b"Admin history" in history.content
    assert contract.number.encode() in history.content


def test_only_the_correction_updates_a_comment_and_nothing_updates_an_event() -> None:
    """QuerySet.update() skips save(): the modules allowed to use it on the record are
    tickets/corrections.py, which records the old text first, privacy/erasure.py, which
    erases a contact's personal data and records the erasure, and tickets/merging.py, which
    moves a duplicate's comments to the original (only their ticket) and records the merge on
    both tickets (docs/security.md)."""
    root = Path(__file__).resolve().parents[2] / "secondline"
    pattern = re.compile(r"(Comment|TicketEvent)\.objects\.[^\n]*\.update\(")
    found = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and pattern.search(path.read_text(encoding="utf-8"))
    }
    assert found == {"tickets/corrections.py", "privacy/erasure.py", "tickets/merging.py"}
