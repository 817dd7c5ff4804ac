"""Who is who: the contractor, its customers, their people and their support contracts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from secondline.common import requisites


class Organization(models.Model):
    class Kind(models.TextChoices):
        CONTRACTOR = "contractor", _("Contractor")
        CUSTOMER = "customer", _("Customer")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CUSTOMER)
    email_domains = models.CharField(
        _("email domains"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; informational, senders must still be known contacts."),
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    @property
    def is_contractor(self) -> bool:
        return self.kind == self.Kind.CONTRACTOR

    def responsible_people(self) -> models.QuerySet[User]:
        return self.members.filter(role=User.Role.CUSTOMER_RESPONSIBLE, is_active=True)

    def active_contracts(self, on: dt.date | None = None) -> models.QuerySet[Contract]:
        return Contract.objects.active(on).filter(customer=self)


class SupportUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        """An administrator made on the command line belongs to the contractor's team; an
        address another user has, in any letter case, is refused (a ValidationError, which
        ``createsuperuser`` prints)."""
        extra.setdefault("role", User.Role.ADMIN)
        User(email=email or "").validate_constraints()
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    class Role(models.TextChoices):
        CUSTOMER_MEMBER = "customer_member", _("Customer member")
        CUSTOMER_RESPONSIBLE = "customer_responsible", _("Customer responsible (1st line)")
        AGENT = "agent", _("Contractor agent")
        MANAGER = "manager", _("Contractor manager")
        ADMIN = "admin", _("Administrator")

    CONTRACTOR_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})
    CUSTOMER_ROLES = frozenset({Role.CUSTOMER_MEMBER, Role.CUSTOMER_RESPONSIBLE})

    email = models.EmailField(_("email address"), unique=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    role = models.CharField(
        _("role"), max_length=30, choices=Role.choices, default=Role.CUSTOMER_MEMBER
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    # Set by the email channel when the mail server refused this address for good (a hard
    # bounce, a 5xx for the recipient): no notification goes to it until the address changes
    # (``save``) or the staff clear the mark (the back office). Mail from it is still read.
    email_undeliverable_since = models.DateTimeField(
        _("emails bounce since"), null=True, blank=True, editable=False
    )
    email_undeliverable_reason = models.CharField(
        _("why emails bounce"), max_length=500, blank=True, editable=False
    )

    objects = SupportUserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # One person to an address in any letter case: the email intake finds the contact
            # by it (mail.routing), and an erasure by it (privacy).
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_any_case_unique",
                violation_error_message=_("Another user has this email address."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new address (not merely the same one in other letter case) clears the mark of
        the old one's bounces, however it is set: the back office, the API, a command."""
        if self.email_undeliverable_since is not None and self._address_changed():
            self.email_undeliverable_since, self.email_undeliverable_reason = None, ""
            fields = kwargs.get("update_fields")
            if fields is not None:
                kwargs["update_fields"] = {*fields, *UNDELIVERABLE_FIELDS}
        super().save(*args, **kwargs)

    def _address_changed(self) -> bool:
        # Read only for a marked person, so an ordinary save costs no query.
        if self.pk is None:
            return False
        stored = User.objects.filter(pk=self.pk).values_list("email", flat=True).first()
        return stored is not None and stored.lower() != (self.email or "").lower()

    @property
    def display_name(self) -> str:
        """The name shown to others: the full name, or the username without one."""
        return self.get_full_name() or self.username

    @property
    def is_contractor(self) -> bool:
        return self.role in self.CONTRACTOR_ROLES

    @property
    def is_customer(self) -> bool:
        return self.role in self.CUSTOMER_ROLES

    @property
    def is_manager(self) -> bool:
        return self.role in {self.Role.MANAGER, self.Role.ADMIN}

    @property
    def is_responsible(self) -> bool:
        return self.role == self.Role.CUSTOMER_RESPONSIBLE


#: The mark of an address the mail server refused for good (``User.email_undeliverable_*``).
UNDELIVERABLE_FIELDS = ("email_undeliverable_since", "email_undeliverable_reason")


@deconstructible
class RequisiteValidator:
    """A Django validator around one check of ``common.requisites`` (named, so migrations can
    write it down)."""

    def __init__(self, check: str) -> None:
        self.check = check

    def __call__(self, value: str) -> None:
        problem = getattr(requisites, self.check)(value)
        if problem:
            raise ValidationError(_(problem), code=self.check)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RequisiteValidator) and other.check == self.check

    def __hash__(self) -> int:
        return hash(self.check)


class LegalEntity(models.Model):
    """A party's details for acts and invoices: name, tax numbers, address, bank."""

    name = models.CharField(_("legal name"), max_length=300)
    inn = models.CharField(_("INN"), max_length=12, validators=[RequisiteValidator("inn_error")])
    kpp = models.CharField(
        _("KPP"), max_length=9, blank=True, validators=[RequisiteValidator("kpp_error")]
    )
    ogrn = models.CharField(
        _("OGRN"), max_length=15, blank=True, validators=[RequisiteValidator("ogrn_error")]
    )
    address = models.CharField(_("legal address"), max_length=500)
    bank_name = models.CharField(_("bank"), max_length=300, blank=True)
    bik = models.CharField(
        _("BIK"), max_length=9, blank=True, validators=[RequisiteValidator("bik_error")]
    )
    account = models.CharField(_("settlement account"), max_length=20, blank=True)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, blank=True)
    signatory = models.CharField(
        _("signatory"), max_length=200, blank=True, help_text=_("Who signs acts, and as whom.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("legal entity")
        verbose_name_plural = _("legal entities")

    def __str__(self) -> str:
        return f"{self.name} ({self.inn})"

    def clean(self) -> None:
        """The accounts' control keys agree with the bank's BIK (Bank of Russia rule)."""
        errors = {}
        if self.account:
            problem = requisites.account_error(self.account, self.bik)
            if problem:
                errors["account"] = _(problem)
        if self.correspondent_account:
            problem = requisites.correspondent_account_error(self.correspondent_account, self.bik)
            if problem:
                errors["correspondent_account"] = _(problem)
        if errors:
            raise ValidationError(errors)


class ContractQuerySet(models.QuerySet["Contract"]):
    def active(self, on: dt.date | None = None) -> ContractQuerySet:
        day = on or timezone.localdate()
        return self.filter(status=Contract.Status.ACTIVE, starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


#: A VAT rate is a percentage: the contract's, and a price list item's own (billing).
VAT_RATE_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Contract(models.Model):
    """A support contract: what the customer is entitled to, on which calendar, at which rate."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")

    customer = models.ForeignKey(
        Organization,
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="contracts",
        limit_choices_to={"kind": Organization.Kind.CUSTOMER},
    )
    number = models.CharField(_("number"), max_length=50, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    calendar = models.ForeignKey(
        "sla.WorkingCalendar", verbose_name=_("business calendar"), on_delete=models.PROTECT
    )
    sla_plan = models.ForeignKey(
        "sla.SLAPlan", verbose_name=_("SLA plan"), on_delete=models.PROTECT
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    currency = models.CharField(_("currency"), max_length=3, default="RUB")
    out_of_hours_multiplier = models.DecimalField(
        _("out-of-hours multiplier"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("1"))],
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=VAT_RATE_VALIDATORS,
        help_text=_("Empty: no VAT (the contractor is on the simplified tax system)."),
    )
    contractor_details = models.ForeignKey(
        LegalEntity,
        verbose_name=_("contractor's details"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    customer_details = models.ForeignKey(
        LegalEntity,
        verbose_name=_("customer's details"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["customer__name", "number"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.customer})"

    def is_active_on(self, day: dt.date) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.starts_on <= day
            and (self.ends_on is None or day <= self.ends_on)
        )


class ApiToken(models.Model):
    """A key for the REST API (``accounts.tokens``). Only its SHA-256 digest is stored, so the
    database does not hold a usable key; the first characters are kept to tell tokens apart.
    Revoking a token deletes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at
