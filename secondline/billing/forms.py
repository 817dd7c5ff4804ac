"""Forms of the billing pages. Quick time entry: a duration like "45m", "1:30" or "1.5h"."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from secondline.accounts.models import Contract
from secondline.billing import out_of_hours, worklogs
from secondline.billing.models import Activity
from secondline.common.forms import LocalDateTimeField, read_times_in

DURATION_RE = re.compile(
    r"^\s*(?:(?P<h>\d+(?:[.,]\d+)?)\s*(?:h|ч)\s*)?(?:(?P<m>\d+)\s*(?:m|min|мин|м)?)?\s*$",
    re.IGNORECASE,
)


def parse_duration(text: str) -> dt.timedelta:
    """ "90", "90m", "1h30", "1h 30m", "1:30", "1.5h", "1,5ч" -> a duration; ValueError for
    anything else, a number past what a duration holds included."""
    try:
        return _duration(text.strip())
    except (InvalidOperation, OverflowError) as exc:
        raise ValueError(text) from exc


def _duration(text: str) -> dt.timedelta:
    if ":" in text:
        hours, _sep, minutes = text.partition(":")
        if _plain_number(hours) and _plain_number(minutes) and int(minutes) < 60:
            return dt.timedelta(hours=int(hours), minutes=int(minutes))
        raise ValueError(text)
    match = DURATION_RE.match(text)
    if not text or match is None or not (match["h"] or match["m"]):
        raise ValueError(text)
    whole_hours = Decimal((match["h"] or "0").replace(",", "."))
    return dt.timedelta(minutes=int(whole_hours * 60) + int(match["m"] or 0))


def _plain_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


class ZonedForm(forms.Form):
    """A form whose times are typed in ``zone``, the contract calendar's, which its page names."""

    def __init__(self, *args: Any, zone: ZoneInfo, **kwargs: Any) -> None:
        self.zone = zone
        super().__init__(*args, **kwargs)
        read_times_in(self, zone)


class WorkLogForm(ZonedForm):
    duration = forms.CharField(
        label=gettext_lazy("Duration"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("e.g. 45m, 1:30 or 1.5h; leave empty to give the end"),
        widget=forms.TextInput(attrs={"autofocus": True, "size": 8, "placeholder": "45m"}),
    )
    activity = forms.ChoiceField(label=gettext_lazy("Activity"), choices=Activity.choices)
    started_at = LocalDateTimeField(
        label=gettext_lazy("Start"),
        required=False,
        help_text=gettext_lazy("Empty: the work just ended now."),
    )
    ended_at = LocalDateTimeField(label=gettext_lazy("End"), required=False)
    billable = forms.BooleanField(label=gettext_lazy("Billable"), required=False, initial=True)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=500, required=False)
    internal_note = forms.CharField(
        label=gettext_lazy("Internal note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("started_at"), data.get("ended_at")
        duration = None
        if data.get("duration"):
            try:
                duration = parse_duration(str(data["duration"]))
            except ValueError:
                self.add_error("duration", _("Write the duration like 45m, 1:30 or 1.5h."))
                return data
        if duration is None and (start is None or end is None):
            self.add_error("duration", _("Give the duration, or the start and the end."))
            return data
        if duration is not None and start is not None and end is not None:
            self.add_error("duration", _("Give the duration or the end, not both."))
            return data
        if duration is not None and (reason := worklogs.too_long(duration)):
            self.add_error("duration", reason)  # before the arithmetic below overflows
            return data
        # the service's rule, checked here too: the arithmetic below overflows at years 1, 9999
        start_reason = worklogs.start_error(start) if start is not None else None
        end_reason = worklogs.too_early(end) if end is not None else None
        if start_reason:
            self.add_error("started_at", start_reason)
        if end_reason:
            self.add_error("ended_at", end_reason)
        if start_reason or end_reason:
            return data
        if start is None:
            end = end or timezone.now().replace(second=0, microsecond=0)
            start = end - (duration or dt.timedelta())
        elif end is None:
            end = start + (duration or dt.timedelta())
        data["started_at"], data["ended_at"] = start, end
        return data


class OutOfHoursRequestForm(ZonedForm):
    window_start = LocalDateTimeField(label=gettext_lazy("From"))
    window_end = LocalDateTimeField(label=gettext_lazy("Until"))
    estimated_hours = forms.DecimalField(
        label=gettext_lazy("Estimated hours"),
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=out_of_hours.REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    """One party's decision on an out-of-hours request: the button pressed, and a comment."""

    # Only a button the page offers decides: a missing or unknown value once recorded a
    # rejection, which is final.
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
        error_messages={
            "required": gettext_lazy("Choose Approve or Reject."),
            "invalid_choice": gettext_lazy("Choose Approve or Reject."),
        },
    )
    # a textarea: Enter in a one-line box would submit the form with its first button, Approve
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DisputeForm(forms.Form):
    """The customer's dispute of one line of a statement; the page has one per line, so each
    names its line (the ids of its fields, and where the page shows its errors)."""

    comment = forms.CharField(
        label=gettext_lazy("What is wrong with this line?"),
        max_length=5000,  # as the API's DisputeSerializer
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("What is wrong?")}),
    )

    def __init__(self, *args: Any, line: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_line_{line}_%s")
        super().__init__(*args, **kwargs)
        self.line = line


class GenerateStatementForm(forms.Form):
    contract: forms.ModelChoiceField[Contract] = forms.ModelChoiceField(
        label=gettext_lazy("Contract"), queryset=Contract.objects.none()
    )
    month = forms.CharField(
        label=gettext_lazy("Month"), widget=forms.DateInput(attrs={"type": "month"})
    )

    def __init__(self, *args: Any, contracts: QuerySet[Contract], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = contracts  # type: ignore[attr-defined]

    def clean_month(self) -> dt.date:
        try:
            return dt.date.fromisoformat(f"{self.cleaned_data['month']}-01")
        except ValueError as exc:
            raise forms.ValidationError(_("Give the month as YYYY-MM.")) from exc
