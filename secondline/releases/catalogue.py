"""The catalogue: product versions, the customers' installations and the version each runs.

Contract rule implemented here: updates and new versions are offered only to installations
under an active support contract (``installations_behind``).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from secondline.accounts import access
from secondline.accounts.models import Contract, User
from secondline.releases import events
from secondline.releases.access import require_manager
from secondline.releases.models import Installation, InstallationChange, ProductVersion
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket
from secondline.tickets.signals import announce


def record_version(
    installation: Installation,
    version: ProductVersion,
    actor: User | None,
    *,
    ticket: Ticket | None = None,
    note: str = "",
    at: dt.datetime | None = None,
    channel: str = Channel.WEB,
) -> InstallationChange | None:
    """Record which version an installation now runs, keeping the history of changes.

    Changed for a ticket, the change is also on the ticket's audit trail, and announced.
    """
    if actor is not None:
        access.require_contractor(actor)
    if version.product != installation.product:
        raise ValidationError(
            {
                "version": [
                    _("%(version)s is not a version of %(product)s.")
                    % {"version": version, "product": installation.product}
                ]
            }
        )
    with transaction.atomic():
        change = change_version(installation, version, actor, ticket=ticket, note=note, at=at)
        if change is not None and ticket is not None:
            announce(events.version_changed(change, ticket, channel))
    return change


def change_version(
    installation: Installation,
    version: ProductVersion,
    actor: User | None,
    *,
    ticket: Ticket | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> InstallationChange | None:
    """The row changes of ``record_version``, without its checks nor an event on the ticket:
    for a verb that has checked already and records the step that changed the version."""
    with transaction.atomic():
        installation = Installation.objects.select_for_update().get(pk=installation.pk)
        if installation.current_version_id == version.pk:
            return None
        change = InstallationChange.objects.create(
            installation=installation,
            from_version=installation.current_version,
            to_version=version,
            changed_by=actor,
            ticket=ticket,
            note=note,
            changed_at=at or timezone.now(),
        )
        installation.current_version = version
        installation.save(update_fields=["current_version", "updated_at"])
    return change


def installations_behind(version: ProductVersion) -> QuerySet[Installation]:
    """Installations of the version's product that run an older version, on active contracts."""
    older = Q(current_version__isnull=True) | Q(
        current_version__released_on__lt=version.released_on
    )
    older |= Q(current_version__released_on=version.released_on, current_version__pk__lt=version.pk)
    return (
        Installation.objects.filter(product=version.product, contract__in=Contract.objects.active())
        .filter(older)
        .select_related("contract__customer", "current_version")
    )


def save_version(actor: User, version: ProductVersion) -> ProductVersion:
    """Add or correct a catalogue entry (contractor managers)."""
    require_manager(actor)
    version.full_clean()
    try:
        with transaction.atomic():  # a savepoint: the refusal below still reads the database
            version.save()
    except IntegrityError:
        _refuse_twin(version)
        raise
    return version


def save_installation(actor: User, installation: Installation) -> Installation:
    """Register or rename an installation (contractor staff); versions change via record_version."""
    access.require_contractor(actor)
    installation.full_clean(exclude=["current_version"])
    if (
        installation.current_version is not None
        and installation.current_version.product != installation.product
    ):
        raise ValidationError({"current_version": [_("This is a version of another product.")]})
    is_new = installation.pk is None
    version = installation.current_version
    try:
        with transaction.atomic():
            if is_new:
                installation.current_version = None
            installation.save()
            if is_new and version is not None:
                record_version(installation, version, actor, note=_("Recorded at registration."))
                installation.refresh_from_db()
    except IntegrityError:
        installation.current_version = version
        _refuse_twin(installation, exclude=["current_version"])
        raise
    return installation


def _refuse_twin(instance: Model, exclude: list[str] | None = None) -> None:
    """After the save's IntegrityError: the refusal ``full_clean`` gives a duplicate natural key,
    when a concurrent request saved the twin between our ``full_clean`` and our save (two
    clicks, two scripts). Returns when the error was something else, for the caller to raise."""
    instance.validate_unique(exclude=exclude)
    instance.validate_constraints(exclude=exclude)
