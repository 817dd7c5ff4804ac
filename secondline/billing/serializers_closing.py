"""Shapes of the statement-closing API: corrections, credits, items, revisions, accounting."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from secondline.billing.models import StatementCorrection, StatementEvent, StatementRevision
from secondline.common.ids import MAX_ID


def _hours() -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )


class CorrectionSerializer(serializers.ModelSerializer):
    difference = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = StatementCorrection
        fields = [
            "id",
            "revision",
            "kind",
            "line",
            "line_label",
            "old_business_minutes",
            "new_business_minutes",
            "old_out_of_hours_minutes",
            "new_out_of_hours_minutes",
            "old_amount",
            "new_amount",
            "difference",
            "reason",
            "created_at",
            "carried_to",
        ]
        read_only_fields = fields


class StatementEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", read_only=True, default="")

    class Meta:
        model = StatementEvent
        fields = ["kind", "revision", "actor", "detail", "created_at"]
        read_only_fields = fields


class RevisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatementRevision
        fields = [
            "number",
            "issued_at",
            "total_amount",
            "amount_due",
            "vat_amount",
            "amount_due_with_vat",
            "lines",
        ]
        read_only_fields = fields


class CorrectLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    business_hours = _hours()
    out_of_hours_hours = _hours()
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True
    )
    reason = serializers.CharField(max_length=5000)


class CreditSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    description = serializers.CharField(max_length=500)
    reason = serializers.CharField(max_length=5000)


class PriceItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    quantity = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal(10_000)
    )
