"""REST endpoints of the email quarantine (``/api/quarantine/``, docs/api.md), for the
contractor's staff: what the intake did not file, and what the desk's quarantine page does
with it (accept a reply as its sender's, file it as a ticket, discard it as spam, retry),
through the same verbs (mail.quarantine). Wired into secondline/api/urls.py with
``register(router)``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from secondline.accounts.api import acting_user, validated
from secondline.accounts.models import User
from secondline.api.pagination import ReceivedCursorPagination
from secondline.common.ids import MAX_ID
from secondline.mail import quarantine
from secondline.mail.models import InboundMessage
from secondline.tickets.choices import TicketType

Status = InboundMessage.Status
#: The desk's tabs: what was not filed, and what was discarded as spam.
SHOWN = (*InboundMessage.NOT_FILED, Status.DISCARDED)


class QuarantinedSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reason = serializers.CharField(source="error", read_only=True)
    discarded_by = serializers.CharField(
        source="discarded_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = InboundMessage
        fields = [
            "id",
            "status",
            "status_label",
            "sender",
            "subject",
            "message_id",
            "size",
            "received_at",
            "processed_at",
            "reason",
            "result_ticket",
            "result_comment",
            "discarded_by",
            "discarded_at",
            "discard_reason",
        ]
        read_only_fields = fields


class StatusFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(value, Status(value).label) for value in SHOWN],
        required=False,
        default=Status.QUARANTINED,
        help_text="The desk's tab: quarantined (the default), duplicate, ignored, received "
        "or discarded.",
    )


class DiscardSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=quarantine.DISCARD_REASON_MAX)


class DiscardManySerializer(DiscardSerializer):
    messages = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=500,
    )


class FileAsTicketSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True, role__in=User.CUSTOMER_ROLES),
        required=False,
        allow_null=True,
        default=None,
        help_text="The customer contact to file for; by default the sender, if one.",
    )
    ticket_type = serializers.ChoiceField(
        choices=TicketType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="By default the subject's tag, else the mail channel's default type.",
    )


class AcceptedSerializer(serializers.Serializer):
    ticket = serializers.IntegerField()
    comment = serializers.IntegerField()


class QuarantineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Emails the intake did not file, newest first (``?status=`` picks the desk's tab)."""

    serializer_class = QuarantinedSerializer
    pagination_class = ReceivedCursorPagination
    filter_backends: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not acting_user(request).is_contractor:  # the desk's quarantine: a 404 to others
            raise PermissionDenied(_("The email quarantine is for the contractor's staff."))

    def get_queryset(self) -> QuerySet[InboundMessage]:
        found = InboundMessage.objects.defer("raw").select_related("discarded_by")
        if self.action == "list":
            wanted = validated(StatusFilterSerializer, self.request.query_params)["status"]
            return found.filter(status=wanted)
        return found  # like the desk's page, one message shows whatever became of it

    def _answer(self, message: InboundMessage, code: int = status.HTTP_200_OK) -> Response:
        message = self.get_queryset().get(pk=message.pk)
        return Response(QuarantinedSerializer(message).data, status=code)

    @extend_schema(parameters=[StatusFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=AcceptedSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """Accept a quarantined reply as a comment from its sender (the proof waived, the
        access rule kept), audited on the ticket."""
        comment = quarantine.accept_as_sender(self.get_object(), acting_user(request))
        return Response({"ticket": comment.ticket_id, "comment": comment.pk})

    @extend_schema(request=FileAsTicketSerializer, responses={201: QuarantinedSerializer})
    @action(detail=True, methods=["post"])
    def ticket(self, request: Request, pk: str) -> Response:
        """File the email as a ticket of the chosen contact, at the email's arrival time."""
        message = self.get_object()
        data = validated(FileAsTicketSerializer, request.data)
        quarantine.turn_into_ticket(
            message, data["contact"], acting_user(request), data["ticket_type"]
        )
        return self._answer(message, status.HTTP_201_CREATED)

    @extend_schema(request=DiscardSerializer, responses=QuarantinedSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request: Request, pk: str) -> Response:
        """Discard the email as spam, with the reason kept."""
        message = self.get_object()
        data = validated(DiscardSerializer, request.data)
        if not quarantine.discard([message], acting_user(request), data["reason"]):
            raise ValidationError(_("Only messages that were not filed can be discarded."))
        return self._answer(message)

    @extend_schema(
        operation_id="quarantine_discard_many",
        request=DiscardManySerializer,
        responses=QuarantinedSerializer(many=True),
    )
    @action(detail=False, methods=["post"], url_path="discard")
    def discard_many(self, request: Request) -> Response:
        """Discard several emails as spam with one reason; the answer lists those discarded
        (one filed or discarded meanwhile is left alone)."""
        data = validated(DiscardManySerializer, request.data)
        chosen = InboundMessage.objects.filter(pk__in=data["messages"]).defer("raw")
        done = quarantine.discard(chosen, acting_user(request), data["reason"])
        return Response(QuarantinedSerializer(done, many=True).data)

    @extend_schema(request=None, responses=QuarantinedSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        """Run the email through the intake again (after adding its sender, say)."""
        message = self.get_object()
        quarantine.retry(message)
        return self._answer(message)


def register(router: BaseRouter) -> None:
    router.register("quarantine", QuarantineViewSet, basename="quarantine")
