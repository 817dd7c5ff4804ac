"""The billing REST API: work logs, out-of-hours requests and statements.

Access goes through ``billing.access``, every change through the billing verbs
(``worklogs``, ``out_of_hours``, ``statements``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from secondline.accounts import access as accounts_access
from secondline.accounts.api import AwareTimeFilter, acting_user, validated
from secondline.billing import access, export, out_of_hours, statements, worklogs
from secondline.billing import serializers as s
from secondline.billing.models import OutOfHoursRequest, Statement, WorkLog
from secondline.billing.views_closing_api import StatementClosingActions
from secondline.common.renderers import CSVRenderer, PDFRenderer
from secondline.tickets.access import get_ticket_for
from secondline.tickets.choices import Channel


class WorkLogFilter(django_filters.FilterSet):
    ticket = django_filters.NumberFilter(field_name="ticket_id", min_value=1, max_value=s.MAX_ID)
    since = AwareTimeFilter(field_name="started_at", lookup_expr="gte")
    until = AwareTimeFilter(field_name="started_at", lookup_expr="lt")

    class Meta:
        model = WorkLog
        fields: list[str] = []


class WorkLogPagination(CursorPagination):
    ordering = ("-started_at", "-id")
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class WorkLogViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Time logged on tickets the caller may see; customers never get internal notes."""

    serializer_class = s.WorkLogSerializer
    filterset_class = WorkLogFilter
    pagination_class = WorkLogPagination

    def get_queryset(self) -> QuerySet[WorkLog]:
        return access.worklogs_visible_to(acting_user(self.request)).select_related("agent")

    def get_object(self) -> WorkLog:
        return access.get_worklog_for(acting_user(self.request), self.kwargs["pk"])

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        context["internal"] = access.sees_internal_notes(acting_user(self.request))
        return context

    def _answer(self, log: WorkLog, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            s.WorkLogSerializer(log, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=s.WorkLogCreateSerializer, responses={201: s.WorkLogSerializer})
    def create(self, request: Request) -> Response:
        data = validated(s.WorkLogCreateSerializer, request.data)
        ticket = get_ticket_for(acting_user(request), data.pop("ticket"))
        minutes = data.pop("duration_minutes")
        entry = worklogs.WorkEntry(
            duration=dt.timedelta(minutes=minutes) if minutes else None, **data
        )
        return self._answer(
            worklogs.log_work(ticket, acting_user(request), entry, Channel.API),
            status.HTTP_201_CREATED,
        )

    @extend_schema(request=s.WorkLogUpdateSerializer, responses=s.WorkLogSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        log = self.get_object()
        changes = validated(s.WorkLogUpdateSerializer, request.data, partial=True)
        return self._answer(
            worklogs.update_worklog(log, acting_user(request), changes, Channel.API)
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        worklogs.delete_worklog(self.get_object(), acting_user(request), Channel.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OutOfHoursRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Out-of-hours work asked for or proposed, and both parties' decisions on it."""

    serializer_class = s.OutOfHoursRequestSerializer
    filterset_fields = ["status"]
    pagination_class = None

    def get_queryset(self) -> QuerySet[OutOfHoursRequest]:
        return (
            access.requests_visible_to(acting_user(self.request))
            .select_related("raised_by", "customer_decided_by", "contractor_decided_by")
            .prefetch_related("worklogs")
        )

    def get_object(self) -> OutOfHoursRequest:
        return access.get_request_for(acting_user(self.request), self.kwargs["pk"])

    def _answer(self, request: OutOfHoursRequest, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            s.OutOfHoursRequestSerializer(self.get_queryset().get(pk=request.pk)).data, status=code
        )

    @extend_schema(
        request=s.OutOfHoursRequestCreateSerializer, responses={201: s.OutOfHoursRequestSerializer}
    )
    def create(self, request: Request) -> Response:
        user = acting_user(request)
        data = validated(s.OutOfHoursRequestCreateSerializer, request.data)
        ticket = get_ticket_for(user, data["ticket"])
        logs = list(access.worklogs_visible_to(user).filter(pk__in=data["worklogs"]))
        if len(logs) != len(set(data["worklogs"])):
            raise DRFValidationError({"worklogs": [_("No such work log.")]})
        created = out_of_hours.raise_out_of_hours_request(
            ticket,
            user,
            window_start=data["window_start"],
            window_end=data["window_end"],
            reason=data["reason"],
            estimated_hours=data["estimated_hours"],
            worklogs=logs,
            channel=Channel.API,
        )
        return self._answer(created, status.HTTP_201_CREATED)

    @extend_schema(request=s.DecisionSerializer, responses=s.OutOfHoursRequestSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        data = validated(s.DecisionSerializer, request.data)
        decided = out_of_hours.approve_out_of_hours_request(
            self.get_object(), acting_user(request), data["comment"], Channel.API
        )
        return self._answer(decided)

    @extend_schema(request=s.DecisionSerializer, responses=s.OutOfHoursRequestSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        data = validated(s.DecisionSerializer, request.data)
        decided = out_of_hours.reject_out_of_hours_request(
            self.get_object(), acting_user(request), data["comment"], Channel.API
        )
        return self._answer(decided)


class StatementViewSet(
    StatementClosingActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly statements: managers generate and issue, the customer's responsible person
    approves or disputes lines; customers never see drafts."""

    filterset_fields = ["contract", "status"]
    pagination_class = None

    def get_queryset(self) -> QuerySet[Statement]:
        if getattr(self, "swagger_fake_view", False):  # the schema is built with no user
            return Statement.objects.none()
        return access.statements_visible_to(acting_user(self.request)).select_related("contract")

    def get_object(self) -> Statement:
        return access.get_statement_for(acting_user(self.request), self.kwargs["pk"])

    def get_serializer_class(self) -> type[Any]:
        return s.StatementDetailSerializer if self.action != "list" else s.StatementSerializer

    def _answer(self, statement: Statement, code: int = status.HTTP_200_OK) -> Response:
        statement = Statement.objects.select_related("contract").get(pk=statement.pk)
        return Response(s.StatementDetailSerializer(statement).data, status=code)

    @extend_schema(
        request=s.StatementGenerateSerializer, responses={201: s.StatementDetailSerializer}
    )
    def create(self, request: Request) -> Response:
        user = acting_user(request)
        data = validated(s.StatementGenerateSerializer, request.data)
        access.require_can_prepare_statements(user)
        contract = accounts_access.contracts_visible_to(user).filter(pk=data["contract"]).first()
        if contract is None:
            raise DRFValidationError({"contract": [_("No such contract.")]})
        return self._answer(
            statements.generate_statement(contract, data["period"], user), status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=s.StatementDetailSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: str) -> Response:
        return self._answer(statements.issue_statement(self.get_object(), acting_user(request)))

    @extend_schema(request=None, responses=s.StatementDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        return self._answer(statements.approve_statement(self.get_object(), acting_user(request)))

    @extend_schema(request=s.DisputeSerializer, responses=s.StatementDetailSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: str) -> Response:
        statement = self.get_object()
        data = validated(s.DisputeSerializer, request.data)
        line = access.get_line_for(acting_user(request), statement, data["line"])
        statements.dispute_line(line, acting_user(request), data["comment"], Channel.API)
        return self._answer(statement)

    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=["en", "ru"])],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"], renderer_classes=[CSVRenderer])
    def csv(self, request: Request, pk: str) -> HttpResponse:
        statement = self.get_object()
        language = request.query_params.get("lang") or acting_user(request).language
        response = HttpResponse(
            export.statement_csv(statement, language), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{export.filename(statement, "csv")}"'
        )
        return response

    @extend_schema(
        parameters=[OpenApiParameter("lang", str, enum=["en", "ru"])],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer])
    def pdf(self, request: Request, pk: str) -> HttpResponse:
        statement = self.get_object()
        language = request.query_params.get("lang") or acting_user(request).language
        response = HttpResponse(
            export.statement_pdf(statement, language), content_type="application/pdf"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{export.filename(statement, "pdf")}"'
        )
        return response
