"""Shapes of the API's requests and answers. No business rule lives here: views call services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from secondline.accounts.api import BodyTimeField, PersonSerializer
from secondline.accounts.models import Contract, Organization
from secondline.billing.prepaid import PrepaidSummary, prepaid_summary
from secondline.common.ids import MAX_ID
from secondline.releases.urgent import instructions_for
from secondline.sla.services import explanation
from secondline.tickets.choices import (
    SETTABLE_STATUSES,
    Channel,
    Environment,
    Priority,
    Status,
    TicketType,
)
from secondline.tickets.models import Attachment, Comment, DeclineReason, Ticket, TicketEvent
from secondline.tickets.rules import TEXT_LIMIT


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "phone"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    calendar = serializers.CharField(source="calendar.name", read_only=True)
    sla_plan = serializers.CharField(source="sla_plan.name", read_only=True)
    prepaid_hours = serializers.SerializerMethodField(
        help_text="Hours of the prepaid packages valid today (billing's prepaid packages)."
    )
    prepaid_used_hours = serializers.SerializerMethodField()
    prepaid_left_hours = serializers.SerializerMethodField()

    class Meta:
        model = Contract
        fields = [
            "id",
            "customer",
            "number",
            "starts_on",
            "ends_on",
            "status",
            "calendar",
            "sla_plan",
            "hourly_rate",
            "currency",
            "out_of_hours_multiplier",
            "prepaid_hours",
            "prepaid_used_hours",
            "prepaid_left_hours",
        ]
        read_only_fields = fields

    def _prepaid(self, contract: Contract) -> PrepaidSummary:
        """Prepaid hours are billing's packages valid today: bought, used so far, left."""
        cache: dict[int, PrepaidSummary] = self.context.get("prepaid", {})
        if not cache:
            self.context["prepaid"] = cache  # type: ignore[index]
        if contract.pk not in cache:
            cache[contract.pk] = prepaid_summary(contract)
        summary: PrepaidSummary = cache[contract.pk]
        return summary

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2))
    def get_prepaid_hours(self, contract: Contract) -> str:
        return str(self._prepaid(contract).hours)

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2))
    def get_prepaid_used_hours(self, contract: Contract) -> str:
        return str(self._prepaid(contract).used_hours)

    @extend_schema_field(serializers.DecimalField(max_digits=10, decimal_places=2))
    def get_prepaid_left_hours(self, contract: Contract) -> str:
        return str(self._prepaid(contract).left_hours)


class UrgentInstructionsSerializer(serializers.Serializer):
    phone = serializers.CharField()
    steps = serializers.ListField(child=serializers.CharField())


class TicketAnswerSerializer(serializers.ModelSerializer):
    """What every answer about one ticket carries beside its columns."""

    number = serializers.CharField(read_only=True)
    urgent_instructions = serializers.SerializerMethodField()

    @extend_schema_field(UrgentInstructionsSerializer(allow_null=True))
    def get_urgent_instructions(self, ticket: Ticket) -> dict[str, Any] | None:
        return instructions_for(ticket)


class TicketSerializer(TicketAnswerSerializer):
    requester = PersonSerializer(read_only=True)
    assignee = PersonSerializer(read_only=True)
    decline_reason: serializers.SlugRelatedField[DeclineReason] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    sla_explanation = serializers.SerializerMethodField(
        help_text="How the SLA deadlines were counted, in the caller's language; "
        "on a single ticket only (null in lists)."
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "organization",
            "contract",
            "requester",
            "type",
            "requested_priority",
            "priority",
            "status",
            "channel",
            "subject",
            "description",
            "affected_module",
            "environment",
            "occurred_at",
            "impact",
            "steps_to_reproduce",
            "target_version",
            "preferred_windows",
            "assignee",
            "watchers",
            "decline_reason",
            "decline_note",
            "merged_into",
            "reaction_due_at",
            "first_reaction_at",
            "sla_state",
            "resolution_due_at",
            "update_due_at",
            "sla_explanation",
            "created_at",
            "updated_at",
            "resolved_at",
            "closed_at",
            "urgent_instructions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_sla_explanation(self, ticket: Ticket) -> str | None:
        if self.parent is not None:  # in a list: keep lists cheap
            return None

        return explanation(ticket)


def _column(name: str, field: type[serializers.Field], **kwargs: Any) -> serializers.Field:
    """A read-only field for one of the ticket's columns, labelled as the model labels it."""
    column = Ticket._meta.get_field(name)
    return field(
        read_only=True,
        label=capfirst(column.verbose_name),  # type: ignore[union-attr]
        allow_null=column.null,
        **kwargs,
    )


class TicketCreatedSerializer(serializers.Serializer):
    """The answer to a filing: what the ticket became (its number, priority, status and SLA
    deadlines) and, for an Urgent incident, the call to make now. The caller sent the rest;
    ``GET /api/tickets/{id}/`` has the whole ticket with its SLA explanation. Kept short on
    purpose: building the full answer took a third of a filing's time (docs/benchmarks.md)."""

    # Declared, not derived from the model: a ModelSerializer reads the model's fields again
    # for every instance, half of this answer's time. Same types and labels, same schema.
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    organization = _column("organization", serializers.IntegerField, source="organization_id")
    contract = _column("contract", serializers.IntegerField, source="contract_id")
    type = _column("type", serializers.ChoiceField, choices=TicketType.choices)
    requested_priority = _column(
        "requested_priority", serializers.ChoiceField, choices=Priority.choices
    )
    priority = _column("priority", serializers.ChoiceField, choices=Priority.choices)
    status = _column("status", serializers.ChoiceField, choices=Status.choices)
    channel = _column("channel", serializers.ChoiceField, choices=Channel.choices)
    subject = _column("subject", serializers.CharField)
    reaction_due_at = _column("reaction_due_at", serializers.DateTimeField)
    sla_state = _column("sla_state", serializers.CharField)
    resolution_due_at = _column("resolution_due_at", serializers.DateTimeField)
    update_due_at = _column("update_due_at", serializers.DateTimeField)
    created_at = _column("created_at", serializers.DateTimeField)
    updated_at = _column("updated_at", serializers.DateTimeField)
    urgent_instructions = serializers.SerializerMethodField()

    @extend_schema_field(UrgentInstructionsSerializer(allow_null=True))
    def get_urgent_instructions(self, ticket: Ticket) -> dict[str, Any] | None:
        return instructions_for(ticket)


class TicketCreateSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=TicketType.choices)
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        required=False,
        allow_blank=True,
        help_text="Only incidents keep the priority you choose; other types get the plan's.",
    )
    subject = serializers.CharField(max_length=250)
    description = serializers.CharField(max_length=TEXT_LIMIT)
    affected_module = serializers.CharField(max_length=200, required=False, allow_blank=True)
    environment = serializers.ChoiceField(
        choices=Environment.choices, required=False, allow_blank=True
    )
    occurred_at = BodyTimeField(required=False, allow_null=True)
    impact = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    steps_to_reproduce = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True
    )
    target_version = serializers.CharField(max_length=100, required=False, allow_blank=True)
    preferred_windows = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True
    )
    contract = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )


class TicketUpdateSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=250, required=False)
    description = serializers.CharField(max_length=TEXT_LIMIT, required=False)
    affected_module = serializers.CharField(max_length=200, required=False, allow_blank=True)
    environment = serializers.ChoiceField(
        choices=Environment.choices, required=False, allow_blank=True
    )
    occurred_at = BodyTimeField(required=False, allow_null=True)
    impact = serializers.CharField(max_length=TEXT_LIMIT, required=False, allow_blank=True)
    steps_to_reproduce = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True
    )
    target_version = serializers.CharField(max_length=100, required=False, allow_blank=True)
    preferred_windows = serializers.CharField(
        max_length=TEXT_LIMIT, required=False, allow_blank=True
    )


class CommentSerializer(serializers.ModelSerializer):
    author = PersonSerializer(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "body", "is_public", "channel", "created_at", "corrected_at"]
        read_only_fields = fields


class CommentCorrectionSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_LIMIT, help_text="The corrected text.")
    reason = serializers.CharField(max_length=2000, help_text="Kept with the old text.")


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=TEXT_LIMIT)
    public = serializers.BooleanField(
        default=True, help_text="Staff only: false writes an internal note."
    )


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "filename",
            "content_type",
            "size",
            "is_public",
            "created_at",
            "comment",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, attachment: Attachment) -> str:
        return f"/api/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/download/"


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    public = serializers.BooleanField(default=True)

    def validate_file(self, value: Any) -> Any:
        if value.size > settings.ATTACHMENT_MAX_BYTES:
            raise serializers.ValidationError(
                _("The file is larger than the limit of %(limit)s MB.")
                % {"limit": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
            )
        return value


class EventSerializer(serializers.ModelSerializer):
    actor = PersonSerializer(read_only=True)
    # an automatic rule's reason in the caller's language (Accept-Language or the profile)
    reason = serializers.CharField(source="shown_reason", read_only=True)

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "ticket",
            "kind",
            "actor",
            "channel",
            "field",
            "old_value",
            "new_value",
            "reason",
            "is_public",
            "created_at",
        ]
        read_only_fields = fields


class PriorityChangeSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SETTABLE_STATUSES)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DeclineSerializer(serializers.Serializer):
    reason = serializers.SlugField(max_length=60)
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(allow_null=True, min_value=1, max_value=MAX_ID)


class WatcherSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class MergeSerializer(serializers.Serializer):
    original = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of the ticket to merge this one into."
    )


class LinkSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of the related ticket."
    )


class RelatedTicketSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "number", "subject", "status"]
        read_only_fields = fields
