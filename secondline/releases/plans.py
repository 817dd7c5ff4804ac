"""The update plan: which installation gets which version, on an Update installation ticket.

Contract rules implemented here: updates and new versions are installed by the contractor, only
under an active support contract; the contractor may propose an update itself, filing the
ticket on the customer's behalf. Each verb runs in one transaction and writes the ticket's
audit trail.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import User
from secondline.releases import events
from secondline.releases.access import require_update_entitlement
from secondline.releases.models import Installation, ProductVersion, UpdatePlan
from secondline.tickets import rules
from secondline.tickets import services as tickets
from secondline.tickets.choices import OPEN_STATUSES, Channel, TicketType
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce

PlanState = UpdatePlan.State


def require_update_ticket(ticket: Ticket) -> None:
    if ticket.type != TicketType.UPDATE_INSTALLATION:
        raise ValidationError(
            {"ticket": [_("Only an Update installation ticket can carry an update plan.")]}
        )
    if not ticket.is_open():
        raise ValidationError({"ticket": [_("The ticket is no longer open.")]})


def plan_update(
    ticket: Ticket,
    actor: User,
    installation: Installation,
    version: ProductVersion,
    *,
    proposed_by_contractor: bool = False,
    channel: str = Channel.WEB,
) -> UpdatePlan:
    """Say which installation gets which version on an Update installation ticket."""
    access.require_contractor(actor)
    require_update_ticket(ticket)
    if installation.contract.customer_id != ticket.organization_id:
        raise ValidationError(
            {"installation": [_("The installation belongs to another customer.")]}
        )
    if version.product != installation.product:
        raise ValidationError(
            {
                "version": [
                    _("%(version)s is not a version of %(product)s.")
                    % {"version": version, "product": installation.product}
                ]
            }
        )
    require_update_entitlement(installation.contract)
    with transaction.atomic():
        plan, created = UpdatePlan.objects.select_for_update().get_or_create(
            ticket=ticket,
            defaults={
                "installation": installation,
                "target_version": version,
                "proposed_by_contractor": proposed_by_contractor,
            },
        )
        if not created:
            if plan.state not in {PlanState.AWAITING_WINDOW, PlanState.WINDOW_PROPOSED}:
                raise ValidationError(
                    {"plan": [_("The window is agreed already; the plan cannot change now.")]}
                )
            plan.installation = installation
            plan.target_version = version
            plan.save(update_fields=["installation", "target_version", "updated_at"])
        announce(events.update_planned(ticket, actor, channel, installation, version))
    return plan


def propose_update(
    installation: Installation,
    version: ProductVersion,
    actor: User,
    *,
    message: str = "",
) -> UpdatePlan:
    """The contractor offers a newer version to a customer running an older one.

    Files the Update installation ticket on the customer's behalf (requester: its
    responsible employee, channel: system) and opens the plan; a window follows.
    """
    access.require_contractor(actor)
    contract = installation.contract
    require_update_entitlement(contract)
    if not version.is_newer_than(installation.current_version):
        raise ValidationError(
            {
                "version": [
                    _("%(installation)s already runs %(current)s.")
                    % {"installation": installation.name, "current": installation.current_version}
                ]
            }
        )
    open_plan = UpdatePlan.objects.filter(
        installation=installation, target_version=version, ticket__status__in=OPEN_STATUSES
    ).first()
    if open_plan is not None:
        raise ValidationError(
            {
                "version": [
                    _("This update is already proposed on ticket %(number)s.")
                    % {"number": open_plan.ticket.number}
                ]
            }
        )
    responsible = contract.customer.responsible_people().order_by("pk").first()
    if responsible is None:
        raise access.NotAContact(
            _("%(org)s has not named a responsible employee to agree the update with.")
            % {"org": contract.customer.name}
        )
    with translation.override(responsible.language or settings.LANGUAGE_CODE):
        # the customer's ticket, in the words of the person who agrees the update
        draft = tickets.NewTicket(
            type=TicketType.UPDATE_INSTALLATION,
            subject=_("Update %(installation)s to %(version)s")
            % {"installation": installation.name, "version": version},
            description=_proposal_text(installation, version, message, responsible.language),
            target_version=version.version,
            preferred_windows=_("No preference given yet: the contractor proposes a window."),
            environment="production" if "prod" in installation.name.lower() else "",
            contract=contract,
        )
    with transaction.atomic():
        ticket = tickets.file_ticket(responsible, draft, Channel.SYSTEM)
        return plan_update(
            ticket,
            actor,
            installation,
            version,
            proposed_by_contractor=True,
            channel=Channel.SYSTEM,
        )


def _proposal_text(
    installation: Installation, version: ProductVersion, message: str, language: str
) -> str:
    lines = [
        _(
            "%(installation)s runs %(current)s. We propose to install %(version)s "
            "(%(kind)s, released on %(date)s) under your support contract."
        )
        % {
            "installation": installation.name,
            "current": installation.current_version or _("an unrecorded version"),
            "version": version,
            "kind": version.get_kind_display().lower(),
            "date": version.released_on.isoformat(),
        },
    ]
    if message.strip():
        lines += ["", message.strip()]
    notes = version.notes(language)
    if notes:
        lines += ["", _("Release notes:"), notes]
    return "\n".join(lines)


def move_ticket(ticket: Ticket, actor: User, status: str, channel: str, reason: str) -> None:
    """Follow the workflow on the ticket where the status rules allow this actor the move."""
    ticket.refresh_from_db()
    if ticket.status != status and rules.can_transition(
        ticket.status, status, by_contractor=actor.is_contractor
    ):
        tickets.change_status(ticket, actor, status, channel, reason)
