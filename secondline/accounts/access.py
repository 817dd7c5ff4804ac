"""Who a person is allowed to be: contractor staff, a customer's contact who may file tickets.

Which tickets a person sees is decided next to the tickets, in ``secondline.tickets.access``.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts.models import Contract, Organization, User


class AccessDenied(Exception):
    """The user may see the object but not do this to it; the message says why."""


class NotAContact(AccessDenied):
    """Only contacts of a customer with an active contract may file tickets."""


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    if user.is_contractor:
        return Organization.objects.all()
    if user.organization_id is None:
        return Organization.objects.none()
    return Organization.objects.filter(pk=user.organization_id)


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    contracts = Contract.objects.select_related("customer", "calendar", "sla_plan")
    if user.is_contractor:
        return contracts
    return contracts.filter(customer_id=user.organization_id)


def _active_contracts(customer: int, today: dt.date) -> QuerySet[Contract]:
    responsible = User.objects.filter(
        organization_id=OuterRef("customer_id"), role=User.Role.CUSTOMER_RESPONSIBLE, is_active=True
    )
    return (
        Contract.objects.active(today)
        .filter(customer_id=customer, customer__kind=Organization.Kind.CUSTOMER)
        .annotate(has_responsible=Exists(responsible))
        # The plan's targets and the calendar come from per-process caches checked against
        # the stamps on these rows (sla.cache), so no prefetch is needed.
        .select_related("customer", "sla_plan", "calendar")
        .order_by("-starts_on", "pk")
    )


# Filing reads a customer's active contracts for every ticket; they change a few times a year.
# Any save or delete of what the answer depends on (an organisation, a contract, a user, an
# SLA plan or calendar) starts a new generation, and the next filing reads them again
# (``accounts.signals``, ``sla.signals``). With a shared cache (CACHES) that holds for every
# process at once; with the default per-process cache another process sees the change within
# the time-to-live, as the SLA configuration caches do (``sla.cache``).
ACTIVE_CONTRACTS_TTL = 60
_GENERATION_KEY = "accounts:active-contracts:generation"


def _cached_active_contracts(customer: int, today: dt.date) -> list[Contract]:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:  # never set, or evicted: whatever was cached before is forgotten
        generation = forget_active_contracts()
    key = f"accounts:active-contracts:{generation}:{customer}:{today.isoformat()}"
    active: list[Contract] | None = cache.get(key)
    if active is None:
        active = list(_active_contracts(customer, today))
        cache.set(key, active, ACTIVE_CONTRACTS_TTL)
    return active


def forget_active_contracts() -> str:
    """Start a new generation of the cached active contracts; returns its name."""
    generation = uuid.uuid4().hex
    cache.set(_GENERATION_KEY, generation, None)
    return generation


def filing_contract(user: User, contract: Contract | None = None) -> Contract:
    """The contract a ticket by this user falls under, or NotAContact saying why not.

    Contract rule: only contacts of a customer with an active contract file tickets, and a
    customer without a named responsible employee (its 1st line) cannot file tickets.
    """
    if not user.is_active or not user.is_customer or user.organization_id is None:
        raise NotAContact(
            _("Only contacts of a customer with an active support contract can file tickets.")
        )
    if contract is not None and contract.customer_id != user.organization_id:
        raise NotAContact(_("This contract does not belong to your organisation."))
    # The customer's active contracts with what the rules need, and whether the customer
    # named its responsible person: one query, or none while the cache holds them.
    active = _cached_active_contracts(user.organization_id, timezone.localdate())
    if contract is not None:
        active = [candidate for candidate in active if candidate.pk == contract.pk]
    chosen = active[0] if active else None
    if chosen is None:
        raise NotAContact(_no_contract_reason(user, contract))
    if not chosen.has_responsible:  # type: ignore[attr-defined]
        raise NotAContact(_no_responsible_reason(chosen.customer))
    return chosen


def _no_responsible_reason(org: Organization) -> str:
    return _(
        "%(org)s has not named a responsible employee (its first-line contact), "
        "so it cannot file tickets yet. Ask your administrator to name one."
    ) % {"org": org.name}


def _no_contract_reason(user: User, contract: Contract | None) -> str:
    org = user.organization
    if org is None or org.is_contractor:
        return _("Only contacts of a customer with an active support contract can file tickets.")
    if contract is not None:
        return _("Contract %(number)s is not active, so no tickets can be filed under it.") % {
            "number": contract.number
        }
    return _("%(org)s has no active support contract, so tickets cannot be filed.") % {
        "org": org.name
    }


def require_contractor(user: User) -> None:
    if not user.is_contractor:
        raise AccessDenied(_("Only the contractor's staff can do this."))
