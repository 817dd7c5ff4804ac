from __future__ import annotations

from typing import Any

from rest_framework import serializers

from secondline.common.ids import MAX_ID
from secondline.replies.models import CannedReply, Macro


class OwnedSerializer(serializers.ModelSerializer):
    team = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="The team's (managers only); otherwise the caller's own.",
    )
    team_wide = serializers.BooleanField(source="is_team_wide", read_only=True)

    def to_internal_value(self, data: Any) -> Any:
        values = super().to_internal_value(data)
        model: Any = self.Meta.model
        instance = model(**{k: v for k, v in values.items() if k != "team"})
        instance.clean()  # the model's rules, as per-field 400s (api/errors.py)
        return values


class CannedReplySerializer(OwnedSerializer):
    class Meta:
        model = CannedReply
        fields = ["id", "title", "language", "body", "team", "team_wide", "updated_at"]
        read_only_fields = ["id", "updated_at"]


class MacroSerializer(OwnedSerializer):
    class Meta:
        model = Macro
        fields = [
            "id",
            "title",
            "language",
            "reply",
            "reply_public",
            "status",
            "priority",
            "priority_reason",
            "assign",
            "assignee",
            "team",
            "team_wide",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]


class TicketRefSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class RenderedSerializer(serializers.Serializer):
    title = serializers.CharField()
    body = serializers.CharField()


class AppliedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.CharField()
    assignee = serializers.IntegerField(source="assignee_id", allow_null=True)
