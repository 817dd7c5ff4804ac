"""What every endpoint does with a request before it calls a service."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request

from secondline.accounts.models import User


def acting_user(request: HttpRequest | Request) -> User:
    """The signed-in user behind the request (authentication has already run)."""
    return request.user  # type: ignore[return-value]


def validated(serializer_class: type[Any], data: Any, partial: bool = False) -> dict[str, Any]:
    """The serializer's cleaned data, or a 400 with a message per field."""
    serializer = serializer_class(data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)
