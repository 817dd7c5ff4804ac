from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from secondline.common.forms import RowsField
from secondline.subscriptions.audience import followable_organizations
from secondline.subscriptions.models import Subscription


class SubscriptionForm(forms.ModelForm[Subscription]):
    organizations = RowsField(
        queryset=followable_organizations(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=capfirst(_("customer organisations")),
    )

    class Meta:
        model = Subscription
        fields = ("my_tickets", "my_customers", "all_new", "organizations", "by_email")
