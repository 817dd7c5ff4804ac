"""Forms of the release pages. They read what was typed into values; the rules of a window (the
span of years, its length, the estimate against it) are the service's, shared with the API."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy

from secondline.accounts.models import User
from secondline.common.forms import LocalDateTimeField
from secondline.releases.windows import MAX_ESTIMATE_HOURS


class WindowForm(forms.Form):
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
