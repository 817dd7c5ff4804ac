from django.contrib import admin
from django.http import HttpRequest

from secondline.tickets.models import Attachment, Comment, DeclineReason, Ticket, TicketEvent


@admin.register(DeclineReason)
class DeclineReasonAdmin(admin.ModelAdmin[DeclineReason]):
    list_display = ["code", "title_en", "title_ru", "is_active", "position"]
    list_editable = ["is_active", "position"]


class EventInline(admin.TabularInline[TicketEvent, Ticket]):
    model = TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "created_at",
        "actor",
        "kind",
        "channel",
        "field",
        "old_value",
        "new_value",
        "reason",
        "is_public",
    ]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    """Read-mostly: changes go through the portal or the API so the rules and audit apply."""

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
    readonly_fields = [f.name for f in Ticket._meta.concrete_fields]
    inlines = [EventInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


admin.site.register(Comment)
admin.site.register(Attachment)
