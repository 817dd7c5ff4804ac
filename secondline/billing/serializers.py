"""Shapes of the billing API. No rule lives here: the viewsets call the billing verbs."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from secondline.accounts.api import BodyTimeField, PersonSerializer
from secondline.billing.models import (
    Activity,
    OutOfHoursRequest,
    Statement,
    StatementCorrection,
    StatementLine,
    WorkLog,
)
from secondline.billing.out_of_hours import REASON_LIMIT
from secondline.billing.serializers_closing import CorrectionSerializer, StatementEventSerializer
from secondline.common.ids import MAX_ID


class WorkLogSerializer(serializers.ModelSerializer):
    agent = PersonSerializer(read_only=True)
    billed_business_hours = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True
    )
    billed_out_of_hours_hours = serializers.DecimalField(
        max_digits=10, decimal_places=2, read_only=True
    )

    class Meta:
        model = WorkLog
        fields = [
            "id",
            "ticket",
            "agent",
            "activity",
            "started_at",
            "ended_at",
            "billable",
            "description",
            "internal_note",
            "business_seconds",
            "out_of_hours_seconds",
            "verified_out_of_hours_seconds",
            "out_of_hours_status",
            "billed_business_minutes",
            "billed_out_of_hours_minutes",
            "billed_business_hours",
            "billed_out_of_hours_hours",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: WorkLog) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["billed_business_hours"] = str(instance.billed_business_hours())
        data["billed_out_of_hours_hours"] = str(instance.billed_out_of_hours_hours())
        if not self.context.get("internal", False):
            data.pop("internal_note", None)
        return data


class WorkLogCreateSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    activity = serializers.ChoiceField(choices=Activity.choices)
    started_at = BodyTimeField()
    ended_at = BodyTimeField(required=False, allow_null=True, default=None)
    duration_minutes = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=24 * 60
    )
    billable = serializers.BooleanField(default=True)
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    internal_note = serializers.CharField(
        max_length=10_000, required=False, allow_blank=True, default=""
    )


class WorkLogUpdateSerializer(serializers.Serializer):
    activity = serializers.ChoiceField(choices=Activity.choices, required=False)
    started_at = BodyTimeField(required=False)
    ended_at = BodyTimeField(required=False)
    billable = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    internal_note = serializers.CharField(max_length=10_000, required=False, allow_blank=True)


class OutOfHoursRequestSerializer(serializers.ModelSerializer):
    raised_by = PersonSerializer(read_only=True)
    customer_decided_by = PersonSerializer(read_only=True)
    contractor_decided_by = PersonSerializer(read_only=True)
    estimated_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = OutOfHoursRequest
        fields = [
            "id",
            "ticket",
            "raised_by",
            "raised_by_side",
            "window_start",
            "window_end",
            "reason",
            "estimated_hours",
            "hourly_rate",
            "multiplier",
            "out_of_hours_rate",
            "currency",
            "estimated_amount",
            "after_the_fact",
            "worklogs",
            "status",
            "customer_decision",
            "customer_decided_by",
            "customer_decided_at",
            "customer_comment",
            "contractor_decision",
            "contractor_decided_by",
            "contractor_decided_at",
            "contractor_comment",
            "created_at",
        ]
        read_only_fields = fields


class OutOfHoursRequestCreateSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    window_start = BodyTimeField(required=False, allow_null=True, default=None)
    window_end = BodyTimeField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=REASON_LIMIT)
    estimated_hours = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True, default=None
    )
    worklogs = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=500,
    )


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class StatementLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementLine
        fields = [
            "id",
            "ticket",
            "ticket_number",
            "ticket_subject",
            "work_date",
            "started_at",
            "ended_at",
            "agent_name",
            "activity",
            "description",
            "worklog_count",
            "vat_rate",
            "business_minutes",
            "out_of_hours_minutes",
            "unverified_minutes",
            "hourly_rate",
            "out_of_hours_rate",
            "business_amount",
            "out_of_hours_amount",
            "amount",
            "disputed",
            "dispute_comment",
            "disputed_at",
            "kind",
            "quantity",
            "unit_price",
            "corrected",
        ]
        read_only_fields = fields


class StatementSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "contract",
            "contract_number",
            "period",
            "status",
            "currency",
            "hourly_rate",
            "multiplier",
            "out_of_hours_rate",
            "rounding_minutes",
            "business_minutes",
            "out_of_hours_minutes",
            "unverified_minutes",
            "business_amount",
            "out_of_hours_amount",
            "total_amount",
            "prepaid_minutes_used",
            "prepaid_amount",
            "prepaid_minutes_left",
            "amount_due",
            "vat_rate",
            "vat_amount",
            "amount_due_with_vat",
            "revision",
            "generated_at",
            "issued_at",
            "decided_at",
        ]
        read_only_fields = fields


class StatementDetailSerializer(StatementSerializer):
    lines = StatementLineSerializer(many=True, read_only=True)
    changes = serializers.SerializerMethodField(
        help_text="The corrections in this revision (or waiting for the next one): what changed."
    )
    events = StatementEventSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "lines", "changes", "events"]
        read_only_fields = fields

    @extend_schema_field(CorrectionSerializer(many=True))
    def get_changes(self, statement: Statement) -> list[dict[str, Any]]:
        changes = statement.corrections.filter(revision__gte=statement.revision).exclude(
            kind=StatementCorrection.Kind.ADJUSTMENT
        )
        return list(CorrectionSerializer(changes, many=True).data)


class StatementGenerateSerializer(serializers.Serializer):
    contract = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    period = serializers.DateField(help_text="Any day of the month to bill.")


class DisputeSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    comment = serializers.CharField(max_length=5000)
