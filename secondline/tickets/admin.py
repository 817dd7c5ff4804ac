"""The back office for tickets: a window onto the record, never a way around it.

Tickets, their comments, files and events are view-only here (docs/security.md, The record):
changes go through the portal or the API, where the support rules and the audit trail apply.
Without a change or delete permission Django offers no save button, no delete button and no
bulk "delete selected" action.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from secondline.tickets.models import Attachment, Comment, DeclineReason, Ticket, TicketEvent


class ViewOnly:
    """Mixed into a ModelAdmin or an inline: rows can be looked at, not added, changed or
    deleted."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DeclineReason)
class DeclineReasonAdmin(admin.ModelAdmin[DeclineReason]):
    list_display = ["code", "title_en", "title_ru", "is_active", "position"]
    list_editable = ["is_active", "position"]


EVENT_FIELDS = (
    "created_at",
    "actor",
    "kind",
    "channel",
    "field",
    "old_value",
    "new_value",
    "worded_reason",
    "is_public",
)


class EventReason:
    """An event's reason as the reader's language words it (``TicketEvent.shown_reason``): a
    system reason is stored as its English text and figures."""

    @admin.display(description=_("reason"))
    def worded_reason(self, event: TicketEvent) -> str:
        return event.shown_reason


class EventInline(EventReason, ViewOnly, admin.TabularInline[TicketEvent, Ticket]):
    model = TicketEvent
    extra = 0
    fields = EVENT_FIELDS
    # An inline's form is built even when it only shows: a field the form cannot edit
    # (created_at) must be read-only, or the ticket's page fails.
    readonly_fields = EVENT_FIELDS


@admin.register(Ticket)
class TicketAdmin(ViewOnly, admin.ModelAdmin[Ticket]):
    """View-only: tickets are closed or declined, never deleted (their history protects them)."""

    list_display = [
        "id",
        "subject",
        "organization",
        "type",
        "priority",
        "status",
        "sla_state",
        "reaction_due_at",
    ]
    list_filter = ["status", "type", "priority", "sla_state", "organization"]
    search_fields = ["subject", "description"]
    inlines = [EventInline]


@admin.register(TicketEvent)
class TicketEventAdmin(EventReason, ViewOnly, admin.ModelAdmin[TicketEvent]):
    list_display = ["created_at", "ticket", "kind", "actor", "channel", "is_public"]
    list_filter = ["kind", "channel", "is_public"]
    list_select_related = ["ticket", "actor"]
    fields = ("ticket", *EVENT_FIELDS)
    readonly_fields = ("worded_reason",)


@admin.register(Comment)
class CommentAdmin(ViewOnly, admin.ModelAdmin[Comment]):
    """A comment is corrected through ``tickets.corrections.correct_comment``, never here."""

    list_display = ["created_at", "ticket", "author", "is_public", "channel", "corrected_at"]
    list_filter = ["is_public", "channel"]
    list_select_related = ["ticket", "author"]
    fields = ["ticket", "author", "body", "is_public", "channel", "created_at", "corrected_at"]


@admin.register(Attachment)
class AttachmentAdmin(ViewOnly, admin.ModelAdmin[Attachment]):
    list_display = ["created_at", "ticket", "filename", "size", "is_public"]
    list_select_related = ["ticket"]
