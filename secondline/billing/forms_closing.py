"""Forms of the statement-closing pages: a correction, a credit line, a price list item."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from secondline.billing.models import PriceListItem, StatementLine


def _hours(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=Decimal(0), max_digits=6, decimal_places=2
    )


class CorrectLineForm(forms.Form):
    line = forms.ModelChoiceField(label=gettext_lazy("Line"), queryset=StatementLine.objects.none())
    business_hours = _hours(gettext_lazy("Business hours"))
    out_of_hours_hours = _hours(gettext_lazy("Out-of-hours hours"))
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=5000)

    def __init__(self, *args: Any, lines: QuerySet[StatementLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = lines  # type: ignore[attr-defined]


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Credit amount"),
        min_value=Decimal("0.01"),
        max_digits=14,
        decimal_places=2,
    )
    description = forms.CharField(label=gettext_lazy("Description"), max_length=500)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=5000)


class PriceItemForm(forms.Form):
    item = forms.ModelChoiceField(
        label=gettext_lazy("Price list item"), queryset=PriceListItem.objects.none()
    )
    quantity = forms.DecimalField(
        label=gettext_lazy("Quantity"),
        min_value=Decimal("0.01"),
        max_value=Decimal(10_000),
        max_digits=10,
        decimal_places=2,
        initial=1,
    )

    def __init__(self, *args: Any, items: QuerySet[PriceListItem], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items  # type: ignore[attr-defined]
