"""Forms of the desk's quarantine: file a quarantined email as a ticket, discard emails as spam.
They only shape input; ``mail.quarantine`` applies the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from secondline.accounts.models import User
from secondline.common.forms import RowsField
from secondline.mail.models import InboundMessage
from secondline.tickets.choices import TicketType


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} · {obj.organization} · {obj.email}"


class QuarantineTicketForm(forms.Form):
    """File a quarantined email as a ticket of the chosen customer contact."""

    contact = ContactChoiceField(
        label=_("Customer contact"),
        queryset=User.objects.filter(is_active=True, role__in=User.CUSTOMER_ROLES)
        .select_related("organization")
        .order_by("organization__name", "last_name", "first_name"),
        empty_label=_("— the sender, if a customer contact —"),
        required=False,
    )
    ticket_type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("From the subject tag or the default")), *TicketType.choices],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "quarantine_%s")
        super().__init__(*args, **kwargs)


class QuarantineDiscardForm(forms.Form):
    """Discard quarantined emails as spam: the reason is required and kept."""

    reason = forms.CharField(
        label=_("Why it is spam"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. advertising, phishing")}),
    )
    messages = RowsField(
        queryset=InboundMessage.objects.filter(status__in=InboundMessage.NOT_FILED).defer("raw"),
        required=False,
        widget=forms.MultipleHiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "discard_%s")
        super().__init__(*args, **kwargs)
