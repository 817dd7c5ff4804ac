"""The back office for the catalogue, the roster and the alert gateways.

Plans and windows are read-only here: they change through the services so the rules, the
audit trail and the emails apply.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest

from secondline.accounts.models import User
from secondline.accounts.requests import back_office_user
from secondline.common.admin import BoundedDates
from secondline.releases import catalogue, duty
from secondline.releases.models import (
    AlertWebhook,
    DutyCallout,
    DutyShift,
    Installation,
    InstallationChange,
    InstallationWindow,
    PhoneCall,
    ProductVersion,
    UpdatePlan,
    UrgentAlert,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ProductVersion)
class ProductVersionAdmin(admin.ModelAdmin[ProductVersion]):
    list_display = ["product", "version", "kind", "released_on"]
    list_filter = ["product", "kind"]
    search_fields = ["product", "version"]


class InstallationChangeInline(admin.TabularInline[InstallationChange, Installation]):
    model = InstallationChange
    fk_name = "installation"
    extra = 0
    can_delete = False
    readonly_fields = ["changed_at", "from_version", "to_version", "changed_by", "ticket", "note"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Installation)
class InstallationAdmin(admin.ModelAdmin[Installation]):
    list_display = ["contract", "name", "product", "current_version", "updated_at"]
    list_filter = ["product"]
    search_fields = ["contract__customer__name", "contract__number", "name"]
    inlines = [InstallationChangeInline]

    def save_model(self, request: HttpRequest, obj: Installation, form: Any, change: bool) -> None:
        version = obj.current_version
        if change and "current_version" in form.changed_data and version is not None:
            obj.current_version = Installation.objects.get(pk=obj.pk).current_version
            obj.save()
            catalogue.record_version(
                obj, version, back_office_user(request), note="Changed in the back office."
            )
            return
        super().save_model(request, obj, form, change)
        if not change and version is not None:
            InstallationChange.objects.create(
                installation=obj,
                to_version=version,
                changed_by=back_office_user(request),
                note="Recorded at registration.",
                changed_at=obj.created_at,
            )


class WindowInline(admin.TabularInline[InstallationWindow, UpdatePlan]):
    model = InstallationWindow
    extra = 0
    can_delete = False
    fields = ("starts_at", "ends_at", "engineer", "estimate_hours", "status", "customer_comment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(UpdatePlan)
class UpdatePlanAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "installation", "target_version", "state", "updated_at"]
    list_filter = ["state"]
    inlines = [WindowInline]


@admin.register(InstallationWindow)
class InstallationWindowAdmin(BoundedDates, ReadOnlyAdmin):
    list_display = ["plan", "starts_at", "ends_at", "engineer", "status"]
    list_filter = ["status", "engineer"]
    date_hierarchy = "starts_at"


@admin.register(DutyShift)
class DutyShiftAdmin(BoundedDates, admin.ModelAdmin[DutyShift]):
    """Managers edit the roster here; the service checks the engineer is staff."""

    list_display = ["starts_at", "ends_at", "position", "engineer", "phone"]
    list_filter = ["engineer"]
    date_hierarchy = "starts_at"

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "engineer":
            kwargs["queryset"] = User.objects.filter(
                is_active=True, role__in=sorted(User.CONTRACTOR_ROLES)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class RosterForm(form):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                super()._post_clean()
                try:
                    duty.check_shift(self.instance)
                except ValidationError as error:
                    self._update_errors(error)

        return RosterForm


@admin.register(AlertWebhook)
class AlertWebhookAdmin(admin.ModelAdmin[AlertWebhook]):
    list_display = ["name", "url", "is_active"]
    # An address typed without a scheme is taken as https (Django 6's default, asked for now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class WebhookForm(form):  # type: ignore[valid-type,misc]
            def _post_clean(self) -> None:
                super()._post_clean()
                try:
                    duty.check_webhook(self.instance)
                except ValidationError as error:
                    self._update_errors(error)

        return WebhookForm


class AlertInline(admin.TabularInline[UrgentAlert, DutyCallout]):
    model = UrgentAlert
    extra = 0
    can_delete = False
    fields = ("escalation_level", "engineer", "channel", "status", "sent_at", "acknowledged_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DutyCallout)
class DutyCalloutAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "level", "created_at", "acknowledged_at", "acknowledged_by"]
    inlines = [AlertInline]


@admin.register(UrgentAlert)
class UrgentAlertAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "engineer", "channel", "escalation_level", "status", "sent_at"]
    list_filter = ["channel", "status"]


@admin.register(PhoneCall)
class PhoneCallAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "at", "caller_name", "agent"]
