"""One-time submission keys: a double click, or Enter pressed twice, sends the same form twice.

The page renders a random key into the form (``{% submission_key %}``); the first POST with it
records the key, with the URL and the message of what it made, in the same transaction as the
ticket, comment or work log, so an attempt that fails leaves no key behind. A repeat of the key
makes nothing: it is shown the first POST's result. The key is in the database, not the cache:
the embedded server runs several workers, each with a cache of its own. A POST without a key
(a page from before the upgrade, an API call) is handled as before.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from secondline.accounts.models import User
from secondline.tickets.models import SubmissionKey

FIELD = "submission_key"
# Long enough for a form left open over a weekend; older keys are deleted as new ones come.
KEEP = dt.timedelta(days=3)
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass(frozen=True)
class Result:
    """What a submission made: where its answer leads and the message it showed."""

    url: str
    message: str = ""


class _Taken(Exception):
    """Another request recorded the same key first."""


def new_key() -> str:
    return secrets.token_urlsafe(18)


def key_of(data: Mapping[str, Any]) -> str:
    """The posted key, or "" when there is none or it is not one a page renders."""
    key = data.get(FIELD) or ""
    return key if isinstance(key, str) and _WELL_FORMED.fullmatch(key) else ""


def earlier(user: User, key: str) -> Result | None:
    """The result of an earlier submission of ``key`` by ``user``, if there was one."""
    if not key:
        return None
    row = (
        SubmissionKey.objects.filter(user=user, key=key, created_at__gte=timezone.now() - KEEP)
        .values_list("url", "message")
        .first()
    )
    return Result(*row) if row else None


def submit_once(user: User, key: str, work: Callable[[], Result]) -> tuple[Result, bool]:
    """Run ``work`` unless ``key`` was submitted before; ``(result, repeated)``.

    ``work`` and the key's record share one transaction: when ``work`` raises, nothing is
    recorded. When two requests with one key race, the second's record fails on the unique
    key, its work is rolled back and it gets the first one's result."""
    if (result := earlier(user, key)) is not None:
        return result, True
    try:
        with transaction.atomic():
            result = work()
            if key:
                _record(user, key, result)
    except _Taken:
        if (result := earlier(user, key)) is None:
            raise
        return result, True
    return result, False


def _record(user: User, key: str, result: Result) -> None:
    now = timezone.now()
    SubmissionKey.objects.filter(created_at__lt=now - KEEP).delete()
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(
                user=user, key=key, url=result.url, message=result.message, created_at=now
            )
    except IntegrityError as exc:
        raise _Taken from exc
