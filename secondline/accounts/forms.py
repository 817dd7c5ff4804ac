"""The password-reset request, limited per address."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.cache import cache

RESET_WINDOW_SECONDS = 3600


def reset_email_allowed(email: str) -> bool:
    """Whether another reset email may go to ``email`` this hour
    (``PASSWORD_RESET_EMAILS_PER_HOUR``). Every request counts, for a known address or not,
    so the answer never tells whether an account uses it."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    key = f"password-reset:{digest}"
    cache.add(key, 0, timeout=RESET_WINDOW_SECONDS)  # the hour starts with the first request
    try:
        sent = cache.incr(key)
    except ValueError:  # expired between add and incr: a new hour
        cache.add(key, 1, timeout=RESET_WINDOW_SECONDS)
        sent = 1
    return sent <= settings.PASSWORD_RESET_EMAILS_PER_HOUR


class RateLimitedPasswordResetForm(PasswordResetForm):
    """Django's form; past the limit it sends nothing and the page says the same as ever."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        if reset_email_allowed(self.cleaned_data["email"]):
            super().save(*args, **kwargs)
