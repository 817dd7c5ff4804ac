"""API sign-in: a username and password for a token."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.request import Request
from rest_framework.response import Response

from secondline.accounts.lockout import lockout_message


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class ObtainToken(ObtainAuthToken):
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            # django-axes marks the request it was given (this DRF request) when it refused the
            # sign-in or this failure reached the limit (accounts/lockout.py).
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(lockout_message())
            raise exceptions.ValidationError(serializer.errors)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
