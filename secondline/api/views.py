"""REST endpoints. Each one checks access through tickets.access and acts through services."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from secondline.accounts import access
from secondline.accounts.api import AwareTimeFilter, acting_user, validated
from secondline.accounts.models import Contract, Organization
from secondline.api import serializers as s
from secondline.api.pagination import RankedPagination, UpdatedCursorPagination
from secondline.api.relations import TicketRelationsMixin
from secondline.common.renderers import CSVRenderer, OctetStreamRenderer
from secondline.search import queries as search
from secondline.tickets import attachments, audit, corrections, services, watchers
from secondline.tickets.access import (
    audit_events_visible_to,
    comments_visible_to,
    get_ticket_for,
    history_visible_to,
    may_export_audit,
    people_on,
    tickets_visible_to,
)
from secondline.tickets.choices import Channel, Priority, Status, TicketType
from secondline.tickets.models import Ticket, TicketEvent


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    type = django_filters.MultipleChoiceFilter(choices=TicketType.choices)
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    organization = django_filters.NumberFilter(
        field_name="organization_id", min_value=1, max_value=s.MAX_ID
    )
    assignee = django_filters.NumberFilter(
        field_name="assignee_id", min_value=1, max_value=s.MAX_ID
    )
    text = django_filters.CharFilter(method="filter_text", max_length=200)
    q = django_filters.CharFilter(
        method="filter_search",
        max_length=200,
        help_text="Full-text search (word forms in Russian and English), best match first.",
    )
    updated_since = AwareTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        pk = Ticket.pk_from_number(value)
        match = Q(subject__icontains=value) | Q(description__icontains=value)
        return queryset.filter(match | Q(pk=pk) if pk else match)

    def filter_search(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        user = acting_user(self.request)
        return search.ranked(queryset, value, internal=search.sees_internal(user))


def _expected_version(request: Request, ticket: Ticket) -> str | None:
    """The version an ``If-Match`` header asks for: None without one (clients that never read
    an ETag keep working) or with ``*``. A weak ``W/`` tag counts too: a proxy that compresses
    the answer weakens the ETag, and the version does not depend on the encoding."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tags = [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")]
    # one of several tags may be the current one; the service compares it again under the lock
    return ticket.version() if ticket.version() in tags else tags[0]


def _etag(ticket: Ticket) -> dict[str, str]:
    """The header that names the version of the ticket in an answer (``If-Match`` sends it back)."""
    return {"ETag": f'"{ticket.version()}"'}


class TicketViewSet(
    TicketRelationsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Tickets of the caller's organisation (all of them for the contractor's staff)."""

    serializer_class = s.TicketSerializer
    filterset_class = TicketFilter

    def get_queryset(self) -> QuerySet[Ticket]:
        return (
            tickets_visible_to(acting_user(self.request))
            .select_related("requester", "assignee", "decline_reason")
            .prefetch_related("watchers")
        )

    def get_object(self) -> Ticket:
        return get_ticket_for(acting_user(self.request), self.kwargs["pk"])

    @property
    def paginator(self) -> BasePagination | None:
        """A text search (``?q=``) is paged by relevance; every other list by last update."""
        if not hasattr(self, "_paginator"):
            searching = bool(self.request.query_params.get("q", "").strip())
            self._paginator = RankedPagination() if searching else UpdatedCursorPagination()
        return self._paginator

    def _answer(self, ticket: Ticket, code: int = status.HTTP_200_OK) -> Response:
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(
            s.TicketSerializer(ticket, context=self.get_serializer_context()).data,
            status=code,
            headers=_etag(ticket),
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        return Response(self.get_serializer(ticket).data, headers=_etag(ticket))

    @extend_schema(request=s.TicketCreateSerializer, responses={201: s.TicketCreatedSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.TicketCreateSerializer, request.data)
        contract = None
        if data.get("contract"):
            contract = (
                access.contracts_visible_to(acting_user(request))
                .filter(pk=data["contract"])
                .first()
            )
            if contract is None:
                return Response({"contract": [_("No such contract.")]}, status=400)
        draft = services.NewTicket(
            type=data["type"],
            subject=data["subject"],
            description=data["description"],
            requested_priority=data.get("priority") or "",
            contract=contract,
            **{
                k: data[k]
                for k in services.EDITABLE_FIELDS
                if k in data and k not in {"subject", "description"}
            },
        )
        ticket = services.file_ticket(acting_user(request), draft, Channel.API)
        body = s.TicketCreatedSerializer(ticket, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED, headers=_etag(ticket))

    @extend_schema(request=s.TicketUpdateSerializer, responses=s.TicketSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        changes = validated(s.TicketUpdateSerializer, request.data, partial=True)
        expected = _expected_version(request, ticket)
        try:
            edited = services.update_ticket(
                ticket, acting_user(request), changes, Channel.API, expected_version=expected
            )
        except services.StaleTicket as stale:
            return Response({"detail": str(stale)}, status=status.HTTP_412_PRECONDITION_FAILED)
        return self._answer(edited)

    @extend_schema(request=s.PriorityChangeSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def priority(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = validated(s.PriorityChangeSerializer, request.data)
        changed = services.change_priority(
            ticket, acting_user(request), data["priority"], data["reason"], Channel.API
        )
        return self._answer(changed)

    @extend_schema(request=s.StatusChangeSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = validated(s.StatusChangeSerializer, request.data)
        changed = services.change_status(
            ticket, acting_user(request), data["status"], Channel.API, data["reason"]
        )
        return self._answer(changed)

    @extend_schema(request=s.DeclineSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = validated(s.DeclineSerializer, request.data)
        return self._answer(
            services.decline_ticket(
                ticket, acting_user(request), data["reason"], data["note"], Channel.API
            )
        )

    @extend_schema(request=s.AssignSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = validated(s.AssignSerializer, request.data)
        assignee = None
        if data["assignee"] is not None:
            assignee = people_on(ticket).filter(pk=data["assignee"]).first()
            if assignee is None:  # missing, or another customer's: the same answer
                return Response({"assignee": [_("No such user.")]}, status=400)
        return self._answer(services.assign(ticket, acting_user(request), assignee, Channel.API))

    @extend_schema(request=s.WatcherSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post", "delete"])
    def watchers(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        data = validated(s.WatcherSerializer, request.data)
        watcher = people_on(ticket).filter(pk=data["user"]).first()
        if watcher is None:  # missing, or another customer's: the same answer
            return Response({"user": [_("No such user.")]}, status=400)
        if request.method == "DELETE":
            watchers.remove_watcher(ticket, acting_user(request), watcher, Channel.API)
        else:
            watchers.add_watcher(ticket, acting_user(request), watcher, Channel.API)
        return self._answer(ticket)

    @extend_schema(methods=["get"], responses=s.CommentSerializer(many=True))
    @extend_schema(
        methods=["post"], request=s.CommentCreateSerializer, responses={201: s.CommentSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def comments(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        user = acting_user(request)
        if request.method == "GET":
            comments = comments_visible_to(user, ticket)
            return Response(s.CommentSerializer(comments, many=True).data)
        data = validated(s.CommentCreateSerializer, request.data)
        comment = services.add_comment(
            ticket, user, data["body"], public=data["public"], channel=Channel.API
        )
        return Response(s.CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CommentCorrectionSerializer, responses=s.CommentSerializer)
    @action(detail=True, methods=["post"], url_path=r"comments/(?P<comment_id>\d{1,18})/correct")
    def correct_comment(self, request: Request, pk: str, comment_id: str) -> Response:
        """Staff only: replace a comment's text; the old text stays in the ticket's events."""
        ticket = self.get_object()
        user = acting_user(request)
        comment = comments_visible_to(user, ticket).filter(pk=int(comment_id)).first()
        if comment is None:
            raise Http404
        data = validated(s.CommentCorrectionSerializer, request.data)
        corrected = corrections.correct_comment(
            comment, user, data["body"], data["reason"], Channel.API
        )
        return Response(s.CommentSerializer(corrected).data)

    @extend_schema(methods=["get"], responses=s.AttachmentSerializer(many=True))
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def attachments(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        user = acting_user(request)
        if request.method == "GET":
            files = ticket.attachments.all()
            if not user.is_contractor:
                files = files.filter(is_public=True)
            return Response(s.AttachmentSerializer(files, many=True).data)
        data = validated(s.AttachmentUploadSerializer, request.data)
        upload = data["file"]
        attachment = attachments.add_attachment(
            ticket,
            user,
            attachments.UploadedFile(upload.name, upload, upload.size, upload.content_type or ""),
            public=data["public"],
            channel=Channel.API,
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>\d+)/download",
        renderer_classes=[renderers.JSONRenderer, OctetStreamRenderer],
    )
    def download(self, request: Request, pk: str, attachment_id: str) -> FileResponse:
        ticket = self.get_object()
        files = ticket.attachments.all()
        if not acting_user(request).is_contractor:
            files = files.filter(is_public=True)
        attachment = files.filter(pk=int(attachment_id)).first()
        if attachment is None:
            raise Http404
        return FileResponse(
            attachment.file.open("rb"), as_attachment=True, filename=attachment.filename
        )

    @extend_schema(responses=s.EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        ticket = self.get_object()
        return Response(
            s.EventSerializer(history_visible_to(acting_user(request), ticket), many=True).data
        )


class AuditFilter(django_filters.FilterSet):
    since = AwareTimeFilter(field_name="created_at", lookup_expr="gte")
    until = AwareTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = TicketEvent
        fields: list[str] = []


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.OrganizationSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Organization]:
        if getattr(self, "swagger_fake_view", False):  # the schema is built with no user
            return Organization.objects.none()
        return access.organizations_visible_to(acting_user(self.request))

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["json", "csv"]),
            OpenApiParameter("since", dt.datetime),
            OpenApiParameter("until", dt.datetime),
        ],
        responses={(200, "application/json"): bytes, (200, "text/csv"): bytes},
    )
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, CSVRenderer])
    def audit(self, request: Request, pk: str) -> StreamingHttpResponse:
        """The organisation's record: every event of its tickets for the contractor's
        managers, the public ones for its responsible person (docs/security.md, The record)."""
        organization = self.get_object()  # another customer's is a 404, as a missing one
        user = acting_user(request)
        if not may_export_audit(user, organization.pk):
            raise PermissionDenied(
                _(
                    "Only the contractor's managers and the customer's responsible person can "
                    "export the record."
                )
            )
        found = AuditFilter(
            request.query_params, queryset=audit_events_visible_to(user, organization.pk)
        )
        if not found.is_valid():
            raise DRFValidationError(found.errors)
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        if request.accepted_renderer.format == "csv":
            response = StreamingHttpResponse(
                audit.csv_lines(found.qs), content_type="text/csv; charset=utf-8"
            )
            name = f"audit-{organization.pk}-{stamp}.csv"
        else:
            response = StreamingHttpResponse(
                audit.json_chunks(found.qs), content_type="application/json"
            )
            name = f"audit-{organization.pk}-{stamp}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class ContractViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.ContractSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Contract]:
        if getattr(self, "swagger_fake_view", False):  # the schema is built with no user
            return Contract.objects.none()
        return access.contracts_visible_to(acting_user(self.request))
