"""Token authentication with the token lookup compiled once per process.

The same rule as DRF's ``TokenAuthentication`` (an unknown key or an inactive user is refused);
only the query is prepared, since it runs before every API request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from secondline.prepared import PreparedQuery


def _token(key: str) -> QuerySet[Token]:
    return Token.objects.filter(key=key).select_related("user")[:1]


TOKEN = PreparedQuery(_token, key=str)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        token = TOKEN.first(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
