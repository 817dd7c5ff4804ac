"""What every API endpoint, in any app, needs before it calls a service: who acts, the
request's validated data, and how a person is shown."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.request import Request

from secondline.accounts.models import User

#: The widest UTC offset any clock uses (Kiribati, UTC+14; the westmost is UTC-12). ISO 8601
#: allows up to ±23:59, PostgreSQL refuses beyond ±15:59: a query must not reach it with one.
MAX_UTC_OFFSET = dt.timedelta(hours=14)


def acting_user(request: HttpRequest | Request) -> User:
    """The signed-in user behind the request (authentication has already run)."""
    return request.user  # type: ignore[return-value]


def validated(serializer_class: type[Any], data: Any, partial: bool = False) -> dict[str, Any]:
    """The serializer's cleaned data, or a 400 with a message per field."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "name", "email", "role", "organization"]
        read_only_fields = fields


class AwareTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 time in a query string, as the same moment in UTC; an offset no clock uses
    or a moment before the first UTC day is a 400 naming the parameter, not a database error."""

    def clean(self, value: Any) -> Any:
        moment = super().clean(value)
        if moment is None:
            return None
        offset = moment.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(
                _("Give the time with a UTC offset from -14:00 to +14:00."), code="offset"
            )
        try:
            return moment.astimezone(dt.UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00+03:00 is still year 0 in UTC
            raise forms.ValidationError(
                _("Give a time between the years 1 and 9999 in UTC."), code="range"
            ) from None


class BodyTimeField(serializers.DateTimeField):
    """A time in a request body, read as DRF reads it, but one that cannot be a moment in
    UTC is a 400 naming the field: a naive ``0001-01-01`` (or ``0001-01-01T00:00``) in the
    current time zone, Moscow, ahead of UTC, falls before the first UTC day, and DRF's check
    of the local time (``enforce_timezone``) raised an ``OverflowError``, a 500. Every time field
    a client writes is one of these; ``TimeModelSerializer`` makes a model's columns one."""

    default_error_messages = {
        # DRF's own message for an aware time that overflows, worded as the filters word it
        "overflow": gettext_lazy("Give a time between the years 1 and 9999 in UTC."),
    }

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        try:
            return super().enforce_timezone(value)
        except (OverflowError, ValueError):
            self.fail("overflow")


class TimeModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that reads its model's time columns with ``BodyTimeField``: the
    base of every one a client writes through."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: BodyTimeField,
    }


class AwareTimeFilter(django_filters.IsoDateTimeFilter):
    """The filter of every API list that takes a time (``updated_since``, ``since``, ...)."""

    field_class = AwareTimeField
