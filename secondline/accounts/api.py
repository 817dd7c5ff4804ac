"""What every API endpoint, in any app, needs before it calls a service: who acts, the
request's validated data, and how a person is shown."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework import serializers
from rest_framework.request import Request

from secondline.accounts.models import User

MAX_ID = 2**63 - 1  # the largest key a client may name; larger ones are a 400, not a 500


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
