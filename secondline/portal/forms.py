"""Forms of the portal. They only shape input; the support rules are checked by the services."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from secondline.accounts.models import Contract, User
from secondline.common.forms import RowsField
from secondline.tickets import rules
from secondline.tickets.choices import (
    PRIORITY_CRITERIA,
    SETTABLE_STATUSES,
    Environment,
    Priority,
    Status,
    TicketType,
)
from secondline.tickets.models import DeclineReason
from secondline.tickets.services import NewTicket

TYPE_HELP = {
    TicketType.INCIDENT: _("Something that worked has stopped working or gives wrong results."),
    TicketType.CONSULTATION: _("A question about setting up, configuring or using the software."),
    TicketType.CHANGE_REQUEST: _("You would like the software to do something differently."),
    TicketType.UPDATE_INSTALLATION: _(
        "We install a new version in a window agreed with you, billed as support hours."
    ),
}

# Fields every type may carry besides its required ones.
OPTIONAL_FIELDS = ("affected_module", "environment")
DETAIL_FIELDS = (
    "subject",
    "description",
    "occurred_at",
    "impact",
    "steps_to_reproduce",
    "target_version",
    "preferred_windows",
    "affected_module",
    "environment",
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files; the services check each file's size."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class NewTicketForm(forms.Form):
    """A new ticket; the fields shown and required follow the type (rules.REQUIRED_FIELDS)."""

    type = forms.ChoiceField(
        label=_("What do you need?"), choices=TicketType.choices, widget=forms.RadioSelect
    )
    requested_priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, required=False, widget=forms.RadioSelect
    )
    subject = forms.CharField(label=_("Subject"), max_length=250)
    description = forms.CharField(
        label=_("Description"),
        max_length=rules.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    occurred_at = forms.DateTimeField(
        label=_("When did it happen?"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )
    impact = forms.CharField(
        label=_("Impact"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who is affected and how badly: one user, a department, everyone?"),
    )
    steps_to_reproduce = forms.CharField(
        label=_("How to reproduce"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The steps that make the fault appear, one per line."),
    )
    target_version = forms.CharField(label=_("Version to install"), required=False, max_length=100)
    preferred_windows = forms.CharField(
        label=_("Preferred installation windows"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: Tuesday or Thursday after 19:00 Moscow time."),
    )
    affected_module = forms.CharField(label=_("Affected module"), required=False, max_length=200)
    environment = forms.ChoiceField(
        label=_("Environment"),
        required=False,
        choices=[("", _("— not specified —")), *Environment.choices],
    )
    contract = forms.ModelChoiceField(
        label=_("Contract"), queryset=Contract.objects.none(), required=False
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(
        self, *args: Any, contracts: QuerySet[Contract] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if contracts is not None:
            cast(forms.ModelChoiceField, self.fields["contract"]).queryset = contracts
        self.chosen_type = self._chosen_type()
        for name in DETAIL_FIELDS:
            self.fields[name].required = name in self.required_fields

    def _chosen_type(self) -> str:
        value = self.data.get("type") if self.is_bound else self.initial.get("type")
        return value if value in TicketType.values else ""

    @property
    def required_fields(self) -> tuple[str, ...]:
        return rules.REQUIRED_FIELDS.get(self.chosen_type, ())

    @property
    def shows_priority(self) -> bool:
        """Contract rule: only an Incident carries the customer's priority."""
        return self.chosen_type == TicketType.INCIDENT

    def detail_fields(self) -> list[forms.BoundField]:
        if self.chosen_type:
            wanted = [*self.required_fields, *OPTIONAL_FIELDS]
        else:
            # No type, or one that is not ours (a crafted value): no type's fields to show,
            # but what was typed stays on the page, to be sent again with the type chosen.
            wanted = [name for name in DETAIL_FIELDS if self.is_bound and self.data.get(name)]
        return [self[name] for name in DETAIL_FIELDS if name in wanted]

    def unshown_errors(self, choose_contract: bool) -> list[tuple[str, str]]:
        """(label, message) for each error of a field the page does not show (the contract
        when the customer has only one, a value sent for a field of another type), so that
        "correct the fields marked below" never stands without its reason."""
        shown = {"type", "attachments", *(field.name for field in self.detail_fields())}
        if self.shows_priority:
            shown.add("requested_priority")
        if choose_contract:
            shown.add("contract")
        return [
            (str(self.fields[name].label), str(message))
            for name, messages in self.errors.items()
            if name in self.fields and name not in shown
            for message in messages
        ]

    def type_options(self) -> list[dict[str, Any]]:
        current = self.chosen_type
        return [
            {
                "value": value,
                "label": label,
                "help": TYPE_HELP[TicketType(value)],
                "checked": value == current,
            }
            for value, label in TicketType.choices
        ]

    def priority_options(self, targets: dict[str, str]) -> list[dict[str, Any]]:
        current = (self.data.get("requested_priority") if self.is_bound else "") or ""
        return [
            {
                "value": value,
                "label": label,
                "criteria": PRIORITY_CRITERIA[Priority(value)],
                "target": targets.get(value, ""),
                "checked": value == current,
            }
            for value, label in Priority.choices
        ]

    def clean_occurred_at(self) -> dt.datetime | None:
        value = self.cleaned_data.get("occurred_at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value  # the service says whether it can be (tickets.services)

    def draft(self) -> NewTicket:
        data = self.cleaned_data
        kind = data["type"]
        return NewTicket(
            type=kind,
            subject=data.get("subject") or "",
            description=data.get("description") or "",
            requested_priority=(data.get("requested_priority") or "")
            if kind == TicketType.INCIDENT
            else "",
            affected_module=data.get("affected_module") or "",
            environment=data.get("environment") or "",
            occurred_at=data.get("occurred_at") if "occurred_at" in self.required_fields else None,
            impact=_only(data, "impact", self.required_fields),
            steps_to_reproduce=_only(data, "steps_to_reproduce", self.required_fields),
            target_version=_only(data, "target_version", self.required_fields),
            preferred_windows=_only(data, "preferred_windows", self.required_fields),
            contract=data.get("contract"),
        )


def _only(data: dict[str, Any], name: str, shown: tuple[str, ...]) -> str:
    """A field the chosen type does not show is not sent, even if typed before switching."""
    return (data.get(name) or "") if name in shown else ""


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=rules.TEXT_LIMIT,
    )
    internal = forms.BooleanField(
        label=_("Internal note (never shown to the customer)"), required=False
    )
    attachments = MultipleFileField(label=_("Attachments"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = forms.CharField(label=_("Comment (optional)"), required=False, max_length=1000)

    def __init__(self, *args: Any, allowed: list[str] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "status_%s")  # the ticket page has several "reason" fields
        super().__init__(*args, **kwargs)
        if allowed is not None:
            cast(forms.ChoiceField, self.fields["status"]).choices = [
                (value, label) for value, label in Status.choices if value in allowed
            ]


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("New priority"), choices=Priority.choices)
    reason = forms.CharField(
        label=_("Reason (the customer will see it)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "priority_%s")
        super().__init__(*args, **kwargs)


class DeclineForm(forms.Form):
    reason = forms.ModelChoiceField(
        label=_("Reason"),
        queryset=DeclineReason.objects.filter(is_active=True),
        to_field_name="code",
        empty_label=_("— choose a reason —"),
    )
    note = forms.CharField(
        label=_("Note to the customer"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Say what is missing or where to turn instead."),
    )

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "decline_%s")
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label_from_instance = lambda reason: reason.title(language)  # type: ignore[attr-defined]


def staff_choices() -> QuerySet[User]:
    return User.objects.filter(role__in=User.CONTRACTOR_ROLES, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— nobody —"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = staff_choices()


class WatcherForm(forms.Form):
    watcher = forms.ModelChoiceField(
        label=_("Add a watcher"),
        queryset=User.objects.none(),
        empty_label=_("— choose a person —"),
    )

    def __init__(self, *args: Any, candidates: QuerySet[User] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if candidates is not None:
            cast(forms.ModelChoiceField, self.fields["watcher"]).queryset = candidates


def _number_field(label: Any) -> forms.CharField:
    """Another ticket by its number (``SL-123`` or ``123``); the view looks it up through the
    access rules."""
    return forms.CharField(
        label=label, max_length=30, widget=forms.TextInput(attrs={"placeholder": "SL-123"})
    )


class MergeForm(forms.Form):
    original = _number_field(_("Merge this ticket into (its original)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "merge_%s")
        super().__init__(*args, **kwargs)


class LinkForm(forms.Form):
    ticket = _number_field(_("Link a related ticket"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)


class BulkForm(forms.Form):
    ACTIONS = [("assign", _("Assign to")), ("status", _("Change status to"))]

    tickets = RowsField(
        queryset=None,
        error_messages={"required": _("Select at least one ticket.")},
    )
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— nobody —"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=SETTABLE_STATUSES,
    )

    def __init__(self, *args: Any, tickets: QuerySet[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["tickets"]).queryset = tickets
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = staff_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        return data


class PhoneCallForm(forms.Form):
    """The customer's call about an Urgent incident, as the agent who took it records it."""

    caller_name = forms.CharField(label=_("Who called"), max_length=200)
    caller_phone = forms.CharField(label=_("Their phone"), max_length=50, required=False)
    at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Empty: just now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    summary = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "call_%s")
        super().__init__(*args, **kwargs)
