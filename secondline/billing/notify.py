"""Billing emails: approvals wanted and prepaid hours running low, in each reader's language.

Rendered when the transaction commits and sent by the worker, so a rolled-back change never
sends mail and a slow SMTP server never holds a request.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from secondline.accounts.models import Organization, User


def managers() -> list[User]:
    return list(User.objects.filter(is_active=True, role__in=[User.Role.MANAGER, User.Role.ADMIN]))


def responsible_people(organization: Organization) -> list[User]:
    return list(organization.responsible_people())


def send(people: Iterable[User], template: str, context: dict[str, Any]) -> None:
    """Queue ``billing/email/<template>_subject.txt`` and ``.txt`` to each person, after commit."""
    recipients = {person.pk: person for person in people if person.is_active and person.email}
    if recipients:
        transaction.on_commit(partial(_deliver, list(recipients.values()), template, context))


def _deliver(people: list[User], template: str, context: dict[str, Any]) -> None:
    from secondline.billing.tasks import send_email

    for person in people:
        with translation.override(person.language or "en"):
            full = {**context, "recipient": person, "site_url": settings.SITE_URL}
            subject = render_to_string(f"billing/email/{template}_subject.txt", full)
            body = render_to_string(f"billing/email/{template}.txt", full)
        send_email.delay(person.email, " ".join(subject.split()), body)
