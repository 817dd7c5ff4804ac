"""Shapes of the releases API. No rule lives here: the viewsets call the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from secondline.accounts.api import BodyTimeField, TimeModelSerializer
from secondline.common.ids import MAX_ID
from secondline.releases.models import (
    AlertWebhook,
    DutyShift,
    Installation,
    InstallationChange,
    InstallationWindow,
    PhoneCall,
    ProductVersion,
    UpdatePlan,
    UrgentAlert,
)


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class ProductVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "product", "version", "released_on", "kind", "notes_en", "notes_ru"]


class VersionBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductVersion
        fields = ["id", "product", "version", "released_on", "kind"]
        read_only_fields = fields


class InstallationSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(source="contract.customer.name", read_only=True)
    current_version = VersionBriefSerializer(read_only=True)
    current_version_id = serializers.PrimaryKeyRelatedField(
        source="current_version",
        queryset=ProductVersion.objects.all(),
        write_only=True,
        required=False,
        allow_null=True,
    )

    class Meta:
        model = Installation
        fields = [
            "id",
            "contract",
            "customer",
            "name",
            "product",
            "current_version",
            "current_version_id",
            "notes",
            "updated_at",
        ]
        read_only_fields = ["id", "customer", "current_version", "updated_at"]
        # the answer the view gives a contract the caller may not see (api._get), so that
        # another customer's contract and a missing one cannot be told apart
        extra_kwargs = {"contract": {"error_messages": {"does_not_exist": _("No such object.")}}}
        # Uniqueness is checked by the model's full_clean in the service, with a clear message.
        validators: list[object] = []


class InstallationChangeSerializer(serializers.ModelSerializer):
    from_version = VersionBriefSerializer(read_only=True)
    to_version = VersionBriefSerializer(read_only=True)
    changed_by = serializers.CharField(source="changed_by.__str__", read_only=True, default="")

    class Meta:
        model = InstallationChange
        fields = ["id", "from_version", "to_version", "changed_by", "ticket", "note", "changed_at"]
        read_only_fields = fields


class RecordVersionSerializer(serializers.Serializer):
    version = _id_field()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WindowSerializer(serializers.ModelSerializer):
    engineer = serializers.CharField(source="engineer.__str__", read_only=True)
    ticket = serializers.IntegerField(source="plan.ticket_id", read_only=True)
    ticket_number = serializers.CharField(source="plan.ticket.number", read_only=True)
    customer = serializers.CharField(source="plan.ticket.organization.name", read_only=True)

    class Meta:
        model = InstallationWindow
        fields = [
            "id",
            "plan",
            "ticket",
            "ticket_number",
            "customer",
            "starts_at",
            "ends_at",
            "engineer",
            "estimate_hours",
            "status",
            "note",
            "customer_comment",
            "decided_at",
        ]
        read_only_fields = fields


class WindowProposalSerializer(serializers.Serializer):
    starts_at = BodyTimeField()
    ends_at = BodyTimeField()
    engineer = _id_field()
    estimate_hours = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.25"), max_value=Decimal("24")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class AskAnotherWindowSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000)


class UpdatePlanSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    installation = InstallationSerializer(read_only=True)
    target_version = VersionBriefSerializer(read_only=True)
    installed_version = VersionBriefSerializer(read_only=True)
    windows = WindowSerializer(many=True, read_only=True)

    class Meta:
        model = UpdatePlan
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "installation",
            "target_version",
            "proposed_by_contractor",
            "state",
            "installed_version",
            "installation_started_at",
            "installation_finished_at",
            "override_reason",
            "confirmed_at",
            "windows",
        ]
        read_only_fields = fields


class PlanCreateSerializer(serializers.Serializer):
    ticket = _id_field()
    installation = _id_field()
    version = _id_field()


class ProposeUpdateSerializer(serializers.Serializer):
    installation = _id_field()
    version = _id_field()
    message = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class InstallationDoneSerializer(serializers.Serializer):
    started_at = BodyTimeField()
    finished_at = BodyTimeField()
    installed_version = _id_field()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text="Why the installation was done outside the agreed window, or is a downgrade; "
        "required then, shown on the ticket and the statement.",
    )


class DutyShiftSerializer(TimeModelSerializer):
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)

    class Meta:
        model = DutyShift
        fields = [
            "id",
            "engineer",
            "engineer_name",
            "starts_at",
            "ends_at",
            "phone",
            "position",
            "note",
        ]
        extra_kwargs = {"phone": {"required": False, "allow_blank": True}}


class AlertWebhookSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(write_only=True, max_length=200)

    class Meta:
        model = AlertWebhook
        fields = ["id", "name", "url", "secret", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class UrgentAlertSerializer(serializers.ModelSerializer):
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    engineer = serializers.CharField(source="engineer.__str__", read_only=True)

    class Meta:
        model = UrgentAlert
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "engineer",
            "phone",
            "channel",
            "escalation_level",
            "status",
            "attempts",
            "last_error",
            "sent_at",
            "acknowledged_at",
            "created_at",
        ]
        read_only_fields = fields


class PhoneCallSerializer(TimeModelSerializer):
    agent = serializers.CharField(source="agent.__str__", read_only=True)

    class Meta:
        model = PhoneCall
        fields = ["id", "ticket", "agent", "at", "caller_name", "caller_phone", "summary"]
        read_only_fields = ["id", "agent"]
        extra_kwargs = {
            "ticket": {"read_only": True},
            "at": {"required": False},
            "caller_phone": {"required": False},
        }


class PhoneCallCreateSerializer(serializers.Serializer):
    ticket = _id_field()
    caller_name = serializers.CharField(max_length=200)
    caller_phone = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default=""
    )
    summary = serializers.CharField(max_length=20000)
    at = BodyTimeField(required=False, allow_null=True, default=None)
