from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from secondline.accounts.models import (
    UNDELIVERABLE_FIELDS,
    ApiToken,
    Contract,
    LegalEntity,
    Organization,
    User,
)
from secondline.common.admin import BoundedDates


class ContractInline(admin.TabularInline[Contract, Organization]):
    model = Contract
    extra = 0
    fields = [
        "number",
        "status",
        "starts_on",
        "ends_on",
        "sla_plan",
        "calendar",
        "hourly_rate",
        "currency",
    ]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    list_display = ["name", "kind", "phone"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [ContractInline]


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin[Contract]):
    list_display = [
        "number",
        "customer",
        "status",
        "starts_on",
        "ends_on",
        "hourly_rate",
        "currency",
    ]
    list_filter = ["status", "currency"]
    search_fields = ["number", "customer__name"]
    autocomplete_fields = ["customer", "contractor_details", "customer_details"]


@admin.register(LegalEntity)
class LegalEntityAdmin(admin.ModelAdmin[LegalEntity]):
    """Both parties' details for acts; ИНН, КПП, ОГРН and the accounts are checked on save."""

    list_display = ["name", "inn", "kpp", "ogrn", "bik"]
    search_fields = ["name", "inn"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "organization",
        "role",
        "is_active",
    ]
    list_filter = [
        "role",
        "organization",
        "is_active",
        ("email_undeliverable_since", admin.EmptyFieldListFilter),
    ]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (
            _("Support"),
            {"fields": ("organization", "role", "phone", "language", *UNDELIVERABLE_FIELDS)},
        ),
    )
    # Set by the email channel; cleared by a new address or the action below.
    readonly_fields = UNDELIVERABLE_FIELDS
    actions = ["clear_undeliverable"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """The clearing action stays when an app above lists its own actions instead (the
        privacy app's erasure replaces ``actions`` on its subclass of this admin)."""
        actions = super().get_actions(request)
        if "clear_undeliverable" not in actions and self.has_change_permission(request):
            action = self.get_action("clear_undeliverable")
            if action is not None:
                actions["clear_undeliverable"] = action
        return actions

    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Support"), {"fields": ("email", "organization", "role", "language")}),
    )

    @admin.action(description=_("Mail them again: clear the “emails bounce” mark"))
    def clear_undeliverable(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """The staff know the address works again (the person emptied or restored their
        mailbox): notifications go to it from now on; what was skipped stays skipped."""
        marked = list(queryset.filter(email_undeliverable_since__isnull=False))
        # as the admin words a change: the labels of the fields it changed
        fields = [User._meta.get_field(name) for name in UNDELIVERABLE_FIELDS]
        labels = [str(field.verbose_name) for field in fields]  # type: ignore[union-attr]
        for user in marked:
            user.email_undeliverable_since, user.email_undeliverable_reason = None, ""
            user.save(update_fields=UNDELIVERABLE_FIELDS)
            self.log_change(request, user, [{"changed": {"fields": labels}}])
        self.message_user(
            request,
            ngettext(
                "%(count)d person will be mailed again.",
                "%(count)d people will be mailed again.",
                len(marked),
            )
            % {"count": len(marked)},
            messages.SUCCESS,
        )


@admin.register(LogEntry)
class AdminHistoryAdmin(BoundedDates, admin.ModelAdmin[LogEntry]):
    """What administrators changed in the back office, as Django's admin records it on every
    add, change and delete (the fields a change touched are in its message). View-only: the
    history of the administrators is not theirs to edit."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "change"]
    list_filter = ["action_flag", "content_type"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "user__username"]
    date_hierarchy = "action_time"

    @admin.display(description=_("what changed"))
    def change(self, entry: LogEntry) -> str:
        return entry.get_change_message()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return super().changelist_view(
            request, {**(extra_context or {}), "title": _("Admin history")}
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Tokens are listed and revoked (deleted) here; a key is shown only to whoever signs in at
    ``POST /api/auth/token/``, so none is issued here."""

    list_display = ["prefix", "user", "created_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "prefix"]
    readonly_fields = ["user", "prefix", "created_at", "expires_at"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# django-axes' sign-in records (AXES_ENABLE_ADMIN is off so that they are registered here).
@admin.register(AccessAttempt)
class AccessAttemptAdmin(BoundedDates, axes_admin.AccessAttemptAdmin):
    pass


@admin.register(AccessLog)
class AccessLogAdmin(BoundedDates, axes_admin.AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(BoundedDates, axes_admin.AccessFailureLogAdmin):
    pass
