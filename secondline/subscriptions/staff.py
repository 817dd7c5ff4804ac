"""The contractor's staff with their subscriptions, kept in the cache framework.

Every new ticket and every customer reply asks who of the staff may hear of it; the answer
changes only when someone edits a subscription, an account engineer or a staff member. Any
save or delete of those starts a new generation (``forget_staff``, connected in
``receivers``), and the next change reads them again: three small queries instead of one per
change. With a shared cache (CACHES) that holds for every process at once; with the default
per-process cache another process sees an edit within ``STAFF_TTL`` seconds, as the cached
active contracts (``accounts.access``) do.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache

from secondline.accounts.models import User
from secondline.subscriptions.models import AccountEngineer, Subscription

STAFF_TTL = 60
_GENERATION_KEY = "subscriptions:staff:generation"


@dataclass(frozen=True)
class StaffMember:
    """An active member of the staff (their subscription fetched, if they saved one), the
    organisations they follow and the customers they look after."""

    person: User
    follows: frozenset[int]
    looks_after: frozenset[int]


def forget_staff() -> str:
    """Start a new generation of the cached staff; returns its name."""
    generation = uuid.uuid4().hex
    cache.set(_GENERATION_KEY, generation, None)
    return generation


def active_staff() -> list[StaffMember]:
    """The active staff, by id, from the cache while nothing changed."""
    generation = cache.get(_GENERATION_KEY)
    if generation is None:  # never set, or evicted: whatever was cached before is forgotten
        generation = forget_staff()
    key = f"subscriptions:staff:{generation}"
    members: list[StaffMember] | None = cache.get(key)
    if members is None:
        members = _read_staff()
        cache.set(key, members, STAFF_TTL)
    return members


def _read_staff() -> list[StaffMember]:
    people = (
        User.objects.filter(is_active=True, role__in=User.CONTRACTOR_ROLES)
        .select_related("subscription")
        .order_by("pk")
    )
    follows: dict[int, set[int]] = defaultdict(set)
    followed = Subscription.organizations.through.objects.values_list(
        "subscription__person_id", "organization_id"
    )
    for person_id, organization_id in followed:
        follows[person_id].add(organization_id)
    looks_after: dict[int, set[int]] = defaultdict(set)
    for engineer_id, customer_id in AccountEngineer.objects.values_list(
        "engineer_id", "customer_id"
    ):
        looks_after[engineer_id].add(customer_id)
    return [
        StaffMember(person, frozenset(follows[person.pk]), frozenset(looks_after[person.pk]))
        for person in people
    ]
