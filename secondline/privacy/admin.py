"""The back office: the erasures done, and the action on users that does one."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from secondline.accounts.admin import UserAdmin as AccountsUserAdmin
from secondline.accounts.models import User
from secondline.accounts.requests import back_office_user
from secondline.privacy.erasure import erase_contact
from secondline.privacy.models import Erasure
from secondline.tickets.choices import Channel


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin[Erasure]):
    """Read-only: an erasure is done by the action on users or ``secondline erase-contact``."""

    list_display = ["id", "created_at", "contact", "erased_by", "reason"]
    readonly_fields = ["contact", "erased_by", "reason", "counts", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(AccountsUserAdmin):
    actions = ["erase_personal_data"]

    @admin.action(description=_("Erase personal data (152-FZ)"), permissions=["change"])
    def erase_personal_data(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        """First a page that asks why; then each selected contact is erased (or refused)."""
        reason = request.POST.get("reason", "").strip()
        if "confirm" not in request.POST or not reason:
            context = {
                **self.admin_site.each_context(request),
                "title": _("Erase personal data"),
                "people": queryset,
                "missing_reason": "confirm" in request.POST,
                "opts": self.model._meta,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, "privacy/erase_confirm.html", context)
        for contact in queryset:
            try:
                erasure = erase_contact(
                    contact,
                    by=back_office_user(request),
                    reason=reason,
                    channel=Channel.WEB,
                )
            except ValidationError as error:
                self.message_user(request, f"{contact}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("Erased: %(erasure)s") % {"erasure": erasure})
        return None
