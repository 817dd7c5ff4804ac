"""Form pieces every app's pages use: typed ids checked before the database sees them, the page
a person is sent back to, a service's refusal put on a form, the datetime-local field."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from secondline.common.ids import row_id


class RowsField(forms.ModelMultipleChoiceField):
    """Several rows chosen by id. Django checks each id's type, not its size: an id past the
    database's integers reached the query and failed it (a 500). Such an id is refused here
    with Django's own message, like a word."""

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for pk in value:
                if not isinstance(pk, Model) and row_id(str(pk)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super().clean(value)


def on_this_site(target: str, request: HttpRequest) -> bool:
    """Whether ``target`` is a page of this site to send a person to: a path ("/desk/") or an
    absolute URL on this host, never another host, and never a bare word, which ``redirect()``
    would take for a view's name."""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return False
    return target.startswith("/") or bool(urlsplit(target).netloc)


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input, read in ``zone``: the zone its page names by it. The form sets it
    (``read_times_in``); a field left without one reads in the server's zone (``TIME_ZONE``).
    Django's field reads in whatever zone is active, which is not the zone the page names (a
    contract's, say): 11:00 typed for Vladivostok was stored as 11:00 Moscow. A time the zone
    skips or repeats at a clock change is a form error, not a guess."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
    zone: dt.tzinfo | None = None

    def _zone(self) -> dt.tzinfo:
        return self.zone or timezone.get_default_timezone()

    def to_python(self, value: Any) -> dt.datetime | None:
        with timezone.override(self._zone()):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(self._zone()):
            return super().prepare_value(value)


def read_times_in(form: forms.Form, zone: dt.tzinfo) -> None:
    """Have the form's ``LocalDateTimeField`` fields read what is typed in ``zone``."""
    for field in form.fields.values():
        if isinstance(field, LocalDateTimeField):
            field.zone = zone


def apply_errors(
    form: forms.Form, error: ValidationError, renamed: dict[str, str] | None = None
) -> None:
    """Put a service's per-field errors on the form (``renamed``: where the form names a field
    otherwise); an error on no field of the form, or on none at all, goes above it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, problems in error.message_dict.items():
        name = (renamed or {}).get(name, name)
        form.add_error(name if name in form.fields else None, problems)
