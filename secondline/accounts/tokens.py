"""API tokens: issued at each sign-in, expiring, listed and revoked per user.

``POST /api/auth/token/`` issues a new token every time (one per device or script), valid for
``API_TOKEN_TTL_DAYS``; a user lists and revokes their own; changing the password revokes them
all (``accounts.signals``). The REST framework reads them through
``ExpiringTokenAuthentication``, its documented extension point, with the same
``Authorization: Token <key>`` header as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from secondline.accounts.models import ApiToken, User


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_token(user: User) -> tuple[ApiToken, str]:
    """A new token for ``user`` and its key, which is shown once and never stored. The user's
    expired tokens are dropped on the way."""
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        digest=token_digest(key),
        prefix=key[:8],
        created_at=now,
        expires_at=now + dt.timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, key


def revoke_token(token: ApiToken) -> None:
    """Revoke one token: its key stops working at once."""
    token.delete()


def revoke_all_tokens(user: User | int) -> int:
    """Revoke every token of ``user`` (after a password change); how many there were."""
    user_id = user if isinstance(user, int) else user.pk
    deleted, _ = ApiToken.objects.filter(user_id=user_id).delete()
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` for an ``ApiToken`` that has not expired; a 401 with the
    reason otherwise."""

    model = ApiToken

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        """A token caller is answered in its profile's language, unless the request names one
        in ``Accept-Language`` (docs/api.md, "Language"): a program sends that header only
        when it means it, unlike a browser, so for a token it overrides the profile. The
        middleware (accounts.middleware) cannot do this: token authentication runs inside
        the view."""
        found = super().authenticate(request)
        asked = request.META.get("HTTP_ACCEPT_LANGUAGE", "").strip()
        if found is not None and found[0].language and asked in {"", "*"}:
            translation.activate(found[0].language)
        return found

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        try:  # get(): the digest is unique; first() would order the rows it cannot have
            token = ApiToken.objects.select_related("user").get(digest=token_digest(key))
        except ApiToken.DoesNotExist:
            raise AuthenticationFailed(_("Invalid token.")) from None
        if token.is_expired():
            raise AuthenticationFailed(
                _("The token has expired; ask for a new one at /api/auth/token/.")
            )
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
