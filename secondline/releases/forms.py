"""Forms of the release pages. They read what was typed into values; the rules of a window or an
installation (the span of years, its length, the estimate against it, the override's reason)
are the services', shared with the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from secondline.accounts.models import User
from secondline.common.forms import LocalDateTimeField, read_times_in
from secondline.releases.installing import OVERRIDE_REASON_LENGTH
from secondline.releases.models import ProductVersion, UpdatePlan
from secondline.releases.windows import MAX_ESTIMATE_HOURS


class ServerZoneForm(forms.Form):
    """A form whose times are typed in the server's zone (``TIME_ZONE``), the zone the release
    pages, their clash messages and emails show windows in; each time's label names it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = timezone.get_default_timezone()
        read_times_in(self, self.zone)
        for field in self.fields.values():
            if isinstance(field, LocalDateTimeField):
                field.label = format_lazy("{} ({})", field.label, self.zone.key)


class WindowForm(ServerZoneForm):
    """The contractor proposes an installation window (``windows.propose_window``)."""

    starts_at = LocalDateTimeField(label=gettext_lazy("Starts"))
    ends_at = LocalDateTimeField(label=gettext_lazy("Ends"))
    engineer = forms.ModelChoiceField(
        label=gettext_lazy("Engineer"),
        queryset=User.objects.filter(
            is_active=True, role__in=sorted(User.CONTRACTOR_ROLES)
        ).order_by("first_name", "last_name"),
        empty_label=None,
    )
    # the model's digits and the API's WindowProposalSerializer's limits
    estimate_hours = forms.DecimalField(
        label=gettext_lazy("Estimate (hours)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=MAX_ESTIMATE_HOURS,
        initial=Decimal("2"),
        widget=forms.NumberInput(attrs={"step": "0.25"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InstallationDoneForm(ServerZoneForm):
    """The engineer records the installation (``installing.record_installation_done``)."""

    started_at = LocalDateTimeField(label=gettext_lazy("Started"))
    finished_at = LocalDateTimeField(label=gettext_lazy("Finished"))
    installed_version = forms.ModelChoiceField(
        label=gettext_lazy("Installed version"),
        queryset=ProductVersion.objects.none(),
        empty_label=None,
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason, if installed outside the agreed window or as a downgrade"),
        required=False,
        max_length=OVERRIDE_REASON_LENGTH,
    )

    def __init__(self, *args: Any, plan: UpdatePlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        versions = ProductVersion.objects.filter(product=plan.installation.product)
        field = self.fields["installed_version"]
        field.queryset = versions  # type: ignore[attr-defined]
        field.initial = plan.target_version_id
