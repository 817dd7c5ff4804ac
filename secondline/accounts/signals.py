"""Forget the cached active contracts (``access.filing_contract``) when what they say changes;
revoke a user's API tokens when their password changes."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from secondline.accounts.access import forget_active_contracts
from secondline.accounts.models import Contract, Organization, User
from secondline.accounts.tokens import revoke_all_tokens


@receiver(post_save, sender=Organization, dispatch_uid="accounts-organization-saved")
@receiver(post_delete, sender=Organization, dispatch_uid="accounts-organization-deleted")
@receiver(post_save, sender=Contract, dispatch_uid="accounts-contract-saved")
@receiver(post_delete, sender=Contract, dispatch_uid="accounts-contract-deleted")
@receiver(post_save, sender=User, dispatch_uid="accounts-user-saved")  # the responsible person
@receiver(post_delete, sender=User, dispatch_uid="accounts-user-deleted")
def contracts_changed(sender: Any, **kwargs: Any) -> None:
    forget_active_contracts()


@receiver(pre_save, sender=User, dispatch_uid="accounts-user-password-changed")
def password_changed(
    sender: Any, instance: User, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """A new password hash, however it was set (``set_password`` in the profile, the reset
    link, the back office, a command), revokes every API token of the user, just as Django
    ends their other sessions: someone who knew the old password may have taken a token."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return  # e.g. last_login at each sign-in
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        revoke_all_tokens(instance.pk)
