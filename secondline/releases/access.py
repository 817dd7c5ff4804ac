"""Who sees and does what in releases, built on accounts.access (the one place for access).

Querysets here always start from what accounts.access lets the user see, so a customer never
reaches another customer's installations, plans or windows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.access import AccessDenied
from secondline.accounts.models import Contract, User
from secondline.releases.models import Installation, InstallationWindow, UpdatePlan, UrgentAlert
from secondline.tickets.access import tickets_visible_to

if TYPE_CHECKING:
    from secondline.tickets.models import Ticket


class NotEntitled(AccessDenied):
    """Updates are installed only under an active support contract; the message says why."""


def require_update_entitlement(contract: Contract, on: dt.date | None = None) -> None:
    """Contract rule: updates and new versions are installed under an active support contract."""
    day = on or timezone.localdate()
    if Contract.objects.active(day).filter(pk=contract.pk).exists():
        return
    if contract.ends_on is not None and contract.ends_on < day:
        reason = _(
            "Contract %(number)s ended on %(date)s. Updates are installed only for customers "
            "with an active support contract; renew the contract to get this update."
        ) % {"number": contract.number, "date": contract.ends_on.isoformat()}
    elif contract.starts_on > day:
        reason = _(
            "Contract %(number)s starts on %(date)s; updates are installed only under an "
            "active support contract."
        ) % {"number": contract.number, "date": contract.starts_on.isoformat()}
    else:
        reason = _(
            "Contract %(number)s is %(status)s. Updates are installed only for customers with "
            "an active support contract."
        ) % {"number": contract.number, "status": contract.get_status_display().lower()}
    raise NotEntitled(reason)


def require_responsible_of(user: User, ticket: Ticket) -> None:
    """Only the customer's responsible employee agrees windows and confirms installations."""
    if not (
        user.is_active and user.is_responsible and user.organization_id == ticket.organization_id
    ):
        raise AccessDenied(
            _(
                "Only the customer's responsible employee can agree the installation window "
                "or confirm the installation."
            )
        )


def require_manager(user: User) -> None:
    if not (user.is_active and user.is_contractor and user.is_manager):
        raise AccessDenied(_("Only the contractor's managers can do this."))


def installations_visible_to(user: User) -> QuerySet[Installation]:
    contracts = access.contracts_visible_to(user)
    return Installation.objects.filter(contract__in=contracts).select_related(
        "contract__customer", "current_version"
    )


def plans_visible_to(user: User) -> QuerySet[UpdatePlan]:
    return UpdatePlan.objects.filter(ticket__in=tickets_visible_to(user)).select_related(
        "ticket", "installation__contract__customer", "target_version", "installed_version"
    )


def windows_visible_to(user: User) -> QuerySet[InstallationWindow]:
    return InstallationWindow.objects.filter(
        plan__ticket__in=tickets_visible_to(user)
    ).select_related("plan__ticket__organization", "plan__target_version", "engineer")


def alerts_visible_to(user: User) -> QuerySet[UrgentAlert]:
    if not (user.is_authenticated and user.is_active and user.is_contractor):
        return UrgentAlert.objects.none()
    return UrgentAlert.objects.select_related("ticket", "engineer", "callout")
