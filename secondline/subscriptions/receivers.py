"""The team listens to the ticket core: notices and emails for the staff, the automation's
timers (in the change's transaction), and the automatic assignment of a new ticket (after the
filing commits, so that a failure never fails the filing)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from secondline.accounts.models import User
from secondline.subscriptions import automation, notices, timers
from secondline.subscriptions.models import AccountEngineer, Subscription
from secondline.subscriptions.staff import forget_staff
from secondline.tickets.models import TicketEvent
from secondline.tickets.signals import Change, ticket_changed, ticket_committed


@receiver(ticket_changed, dispatch_uid="subscriptions.tell_the_team")
def tell_the_team(sender: Any, change: Change, **kwargs: Any) -> None:
    notices.on_change(change)
    timers.keep(change)


@receiver(ticket_committed, dispatch_uid="subscriptions.assign_new_tickets")
def assign_new_tickets(sender: Any, change: Change, **kwargs: Any) -> None:
    if change.event.kind == TicketEvent.Kind.CREATED and change.ticket.assignee_id is None:
        automation.auto_assign(change.ticket)


FOLLOWED = Subscription.organizations.through


@receiver(post_save, sender=User, dispatch_uid="subscriptions.user_saved")
@receiver(post_delete, sender=User, dispatch_uid="subscriptions.user_deleted")
@receiver(post_save, sender=Subscription, dispatch_uid="subscriptions.subscription_saved")
@receiver(post_delete, sender=Subscription, dispatch_uid="subscriptions.subscription_deleted")
@receiver(m2m_changed, sender=FOLLOWED, dispatch_uid="subscriptions.follows_changed")
@receiver(post_delete, sender=FOLLOWED, dispatch_uid="subscriptions.follow_deleted")
@receiver(post_save, sender=AccountEngineer, dispatch_uid="subscriptions.engineer_saved")
@receiver(post_delete, sender=AccountEngineer, dispatch_uid="subscriptions.engineer_deleted")
def staff_changed(sender: Any, **kwargs: Any) -> None:
    """Who of the staff hears of what is read again after any of these changes (``staff``)."""
    forget_staff()
