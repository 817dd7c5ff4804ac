"""Back office for closing a month: price lists, and the statements' paper trail (read-only:
corrections, revisions and events are written by the billing verbs only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from secondline.billing.models import (
    PriceListItem,
    StatementCorrection,
    StatementEvent,
    StatementRevision,
)


@admin.register(PriceListItem)
class PriceListItemAdmin(admin.ModelAdmin[PriceListItem]):
    list_display = ["name", "contract", "unit", "price", "vat_rate", "active"]
    list_filter = ["active"]
    search_fields = ["name", "contract__number"]
    autocomplete_fields = ["contract"]


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StatementCorrection)
class StatementCorrectionAdmin(ReadOnlyAdmin):
    list_display = ["statement", "revision", "kind", "line_label", "old_amount", "new_amount"]
    list_filter = ["kind"]


@admin.register(StatementRevision)
class StatementRevisionAdmin(ReadOnlyAdmin):
    list_display = ["statement", "number", "issued_at", "amount_due_with_vat"]


@admin.register(StatementEvent)
class StatementEventAdmin(ReadOnlyAdmin):
    list_display = ["statement", "kind", "revision", "actor", "created_at"]
    list_filter = ["kind"]
