"""Forget the cached active contracts (``access.filing_contract``) when what they say changes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from secondline.accounts.access import forget_active_contracts
from secondline.accounts.models import Contract, Organization, User


@receiver(post_save, sender=Organization, dispatch_uid="accounts-organization-saved")
@receiver(post_delete, sender=Organization, dispatch_uid="accounts-organization-deleted")
@receiver(post_save, sender=Contract, dispatch_uid="accounts-contract-saved")
@receiver(post_delete, sender=Contract, dispatch_uid="accounts-contract-deleted")
@receiver(post_save, sender=User, dispatch_uid="accounts-user-saved")  # the responsible person
@receiver(post_delete, sender=User, dispatch_uid="accounts-user-deleted")
def contracts_changed(sender: Any, **kwargs: Any) -> None:
    forget_active_contracts()
