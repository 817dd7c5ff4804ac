"""Billing in the back office: billing terms, prepaid packages and statements.

The rates (hourly rate, out-of-hours multiplier, currency) live on the contract and are edited
in its admin (``accounts/admin.py``); billing terms show them. Every form here validates through
the model (field validators and constraints, ``Model.full_clean``), the same rules the services
save through; statements change only through the billing verbs (``statements.py``), so here
they are read-only, a draft can be issued or deleted, and an issued one only looked at.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from secondline.accounts.access import AccessDenied
from secondline.accounts.requests import back_office_user
from secondline.billing import statements
from secondline.billing.models import BillingTerms, PrepaidPackage, Statement, StatementLine
from secondline.common.admin import BoundedDates


@admin.register(BillingTerms)
class BillingTermsAdmin(admin.ModelAdmin[BillingTerms]):
    # The contract's VAT rate (issue 14, Build 6) belongs with these terms when it is added.
    list_display = [
        "contract",
        "rounding_minutes",
        "prepaid_warning_percent",
        "hourly_rate",
        "out_of_hours_multiplier",
        "currency",
    ]
    list_select_related = ["contract__customer"]
    search_fields = ["contract__number", "contract__customer__name"]
    autocomplete_fields = ["contract"]
    readonly_fields = ["hourly_rate", "out_of_hours_multiplier", "currency"]

    @admin.display(description=_("hourly rate"))
    def hourly_rate(self, terms: BillingTerms) -> object:
        return terms.contract.hourly_rate

    @admin.display(description=_("out-of-hours multiplier"))
    def out_of_hours_multiplier(self, terms: BillingTerms) -> object:
        return terms.contract.out_of_hours_multiplier

    @admin.display(description=_("currency"))
    def currency(self, terms: BillingTerms) -> str:
        return terms.contract.currency


@admin.register(PrepaidPackage)
class PrepaidPackageAdmin(admin.ModelAdmin[PrepaidPackage]):
    list_display = ["contract", "hours", "valid_from", "valid_until", "purchased_on", "warned_at"]
    list_filter = ["valid_until"]
    list_select_related = ["contract__customer"]
    search_fields = ["contract__number", "contract__customer__name", "note"]
    autocomplete_fields = ["contract"]
    readonly_fields = ["warned_at", "created_at"]


class StatementLineInline(admin.TabularInline[StatementLine, Statement]):
    model = StatementLine
    extra = 0
    can_delete = False
    fields = (
        "work_date",
        "ticket_number",
        "activity",
        "description",
        "worklog_count",
        "business_minutes",
        "out_of_hours_minutes",
        "unverified_minutes",
        "amount",
        "vat_rate",
        "disputed",
        "dispute_comment",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Statement)
class StatementAdmin(BoundedDates, admin.ModelAdmin[Statement]):
    list_display = ["contract", "period", "status", "total_amount", "amount_due", "issued_at"]
    list_filter = ["status", "period"]
    list_select_related = ["contract__customer"]
    search_fields = ["contract__number", "contract__customer__name"]
    date_hierarchy = "period"
    inlines = [StatementLineInline]
    actions = ["issue"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in Statement._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # generated from the month's work logs on the billing page or the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == Statement.Status.DRAFT

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or obj.status == Statement.Status.DRAFT

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Statement]) -> None:
        # The bulk action deletes drafts only: an issued statement is the customer's record.
        queryset.filter(status=Statement.Status.DRAFT).delete()

    @admin.action(description=_("Issue to the customer"))
    def issue(self, request: HttpRequest, queryset: QuerySet[Statement]) -> None:
        for statement in queryset:
            try:
                statements.issue_statement(statement, back_office_user(request))
            except (ValidationError, AccessDenied) as refused:
                text = (
                    " ".join(refused.messages)
                    if isinstance(refused, ValidationError)
                    else str(refused)
                )
                self.message_user(request, f"{statement}: {text}", messages.ERROR)
            else:
                self.message_user(request, _("%(statement)s issued.") % {"statement": statement})


# Price lists and the statements' paper trail (billing-close).
from secondline.billing import admin_closing  # noqa: E402, F401
