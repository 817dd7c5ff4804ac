"""REST endpoints of releases under /api/releases/. Access via releases.access, acts via services.

Wired into secondline/api/urls.py with ``register(router)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from secondline.accounts import access
from secondline.accounts.api import acting_user, validated
from secondline.accounts.models import User
from secondline.common.moments import out_of_span
from secondline.releases import catalogue, duty, installing, plans, windows
from secondline.releases import serializers as s
from secondline.releases.access import (
    alerts_visible_to,
    installations_visible_to,
    plans_visible_to,
    require_manager,
    windows_visible_to,
)
from secondline.releases.models import (
    AlertWebhook,
    DutyShift,
    Installation,
    InstallationWindow,
    PhoneCall,
    ProductVersion,
    UpdatePlan,
    UrgentAlert,
)
from secondline.tickets.access import tickets_visible_to
from secondline.tickets.choices import Channel


def _schema_only(view: Any) -> bool:
    """drf-spectacular builds the schema with an anonymous user and no access rights."""
    return bool(getattr(view, "swagger_fake_view", False))


def _get(queryset: QuerySet[Any], pk: object, field: str) -> Any:
    """A related object the caller may see, or a 400 naming the field (never a 500 or a leak)."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise ValidationError({field: [_("No such object.")]})
    return found


def _staff_only(request: Request) -> None:
    access.require_contractor(acting_user(request))


class ProductVersionViewSet(viewsets.ModelViewSet):
    """The release catalogue: everyone signed in reads it, contractor managers edit it."""

    serializer_class = s.ProductVersionSerializer
    queryset = ProductVersion.objects.all()
    pagination_class = None
    filterset_fields = ["product", "kind"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = catalogue.save_version(
            acting_user(self.request), ProductVersion(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        version = serializer.instance
        for name, value in serializer.validated_data.items():
            setattr(version, name, value)
        catalogue.save_version(acting_user(self.request), version)


class InstallationViewSet(viewsets.ModelViewSet):
    """Which versions each customer runs; customers see their own installations."""

    serializer_class = s.InstallationSerializer
    pagination_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Installation]:
        if _schema_only(self):
            return Installation.objects.none()
        return installations_visible_to(acting_user(self.request))

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        contract = _get(
            access.contracts_visible_to(acting_user(self.request)), data["contract"].pk, "contract"
        )
        serializer.instance = catalogue.save_installation(
            acting_user(self.request), Installation(**{**data, "contract": contract})
        )

    def perform_update(self, serializer: Any) -> None:
        installation = serializer.instance
        data = dict(serializer.validated_data)
        if "current_version" in data:
            raise ValidationError(
                {"current_version_id": [_("Record a new version with POST …/version/.")]}
            )
        for name, value in data.items():
            setattr(installation, name, value)
        catalogue.save_installation(acting_user(self.request), installation)

    @extend_schema(request=s.RecordVersionSerializer, responses=s.InstallationSerializer)
    @action(detail=True, methods=["post"])
    def version(self, request: Request, pk: str) -> Response:
        installation = self.get_object()
        data = validated(s.RecordVersionSerializer, request.data)
        version = _get(ProductVersion.objects.all(), data["version"], "version")
        catalogue.record_version(installation, version, acting_user(request), note=data["note"])
        installation.refresh_from_db()
        return Response(s.InstallationSerializer(installation).data)

    @extend_schema(responses=s.InstallationChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: str) -> Response:
        installation = self.get_object()
        changes = installation.changes.select_related("from_version", "to_version", "changed_by")
        return Response(s.InstallationChangeSerializer(changes, many=True).data)


class UpdatePlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Update plans of the tickets the caller sees, and the steps of the workflow."""

    serializer_class = s.UpdatePlanSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[UpdatePlan]:
        return plans_visible_to(acting_user(self.request)).prefetch_related("windows__engineer")

    def _answer(self, plan: UpdatePlan, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            s.UpdatePlanSerializer(self.get_queryset().get(pk=plan.pk)).data, status=code
        )

    @extend_schema(request=s.PlanCreateSerializer, responses={201: s.UpdatePlanSerializer})
    def create(self, request: Request) -> Response:
        user = acting_user(request)
        _staff_only(request)
        data = validated(s.PlanCreateSerializer, request.data)
        ticket = _get(tickets_visible_to(user), data["ticket"], "ticket")
        installation = _get(installations_visible_to(user), data["installation"], "installation")
        version = _get(ProductVersion.objects.all(), data["version"], "version")
        plan = plans.plan_update(ticket, user, installation, version, channel=Channel.API)
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(request=s.ProposeUpdateSerializer, responses={201: s.UpdatePlanSerializer})
    @action(detail=False, methods=["post"], url_path="propose-update")
    def propose_update(self, request: Request) -> Response:
        """The contractor offers a newer version: files the ticket for the customer."""
        user = acting_user(request)
        _staff_only(request)
        data = validated(s.ProposeUpdateSerializer, request.data)
        installation = _get(installations_visible_to(user), data["installation"], "installation")
        version = _get(ProductVersion.objects.all(), data["version"], "version")
        plan = plans.propose_update(installation, version, user, message=data["message"])
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(request=s.WindowProposalSerializer, responses={201: s.WindowSerializer})
    @action(detail=True, methods=["post"])
    def windows(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        _staff_only(request)
        data = validated(s.WindowProposalSerializer, request.data)
        engineer = _get(User.objects.filter(is_active=True), data.pop("engineer"), "engineer")
        window = windows.propose_window(
            plan, acting_user(request), engineer=engineer, channel=Channel.API, **data
        )
        return Response(s.WindowSerializer(window).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.InstallationDoneSerializer, responses=s.UpdatePlanSerializer)
    @action(detail=True, methods=["post"])
    def installed(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        data = validated(s.InstallationDoneSerializer, request.data)
        version = _get(ProductVersion.objects.all(), data["installed_version"], "installed_version")
        installing.record_installation_done(
            plan,
            acting_user(request),
            data["started_at"],
            data["finished_at"],
            version,
            note=data["note"],
            override_reason=data["override_reason"],
            channel=Channel.API,
        )
        return self._answer(plan)

    @extend_schema(request=None, responses=s.UpdatePlanSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        installing.confirm_installation(plan, acting_user(request), Channel.API)
        return self._answer(plan)


class PlanningTimeField(django_filters.fields.IsoDateTimeField):
    """A time within the years anyone plans work in; others are refused (not sent to the DB)."""

    def clean(self, value: Any) -> Any:
        moment = super().clean(value)
        if moment is None:
            return None
        if reason := out_of_span(moment):
            raise forms.ValidationError(reason)
        # PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows; UTC is the same moment.
        return moment.astimezone(dt.UTC)


class PlanningTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = PlanningTimeField


class WindowFilter(django_filters.FilterSet):
    starts_after = PlanningTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = PlanningTimeFilter(field_name="starts_at", lookup_expr="lt")
    status = django_filters.MultipleChoiceFilter(choices=InstallationWindow.Status.choices)
    engineer = django_filters.NumberFilter(
        field_name="engineer_id", min_value=1, max_value=s.MAX_ID
    )

    class Meta:
        model = InstallationWindow
        fields: list[str] = []


class InstallationWindowViewSet(viewsets.ReadOnlyModelViewSet):
    """Installation windows; the customer's responsible employee accepts or asks for another."""

    serializer_class = s.WindowSerializer
    filterset_class = WindowFilter
    pagination_class = None

    def get_queryset(self) -> QuerySet[InstallationWindow]:
        return windows_visible_to(acting_user(self.request))

    @extend_schema(request=None, responses=s.WindowSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        window = windows.accept_window(self.get_object(), acting_user(request), Channel.API)
        return Response(s.WindowSerializer(window).data)

    @extend_schema(request=s.AskAnotherWindowSerializer, responses=s.WindowSerializer)
    @action(detail=True, methods=["post"], url_path="ask-another")
    def ask_another(self, request: Request, pk: str) -> Response:
        data = validated(s.AskAnotherWindowSerializer, request.data)
        window = windows.ask_another_window(
            self.get_object(), acting_user(request), data["comment"], Channel.API
        )
        return Response(s.WindowSerializer(window).data)


class ManagedViewSet(viewsets.ModelViewSet):
    """Contractor staff read; managers write, through a ``save`` service."""

    pagination_class = None

    def save(self, user: User, instance: Any) -> Any:
        raise NotImplementedError

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        _staff_only(request)

    def perform_create(self, serializer: Any) -> None:
        model: type[Model] = serializer.Meta.model
        serializer.instance = self.save(
            acting_user(self.request), model(**serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        for name, value in serializer.validated_data.items():
            setattr(serializer.instance, name, value)
        self.save(acting_user(self.request), serializer.instance)

    def perform_destroy(self, instance: Any) -> None:
        require_manager(acting_user(self.request))
        instance.delete()


class DutyShiftFilter(django_filters.FilterSet):
    ends_after = PlanningTimeFilter(field_name="ends_at", lookup_expr="gt")
    starts_before = PlanningTimeFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = DutyShift
        fields: list[str] = []


class DutyShiftViewSet(ManagedViewSet):
    """The on-duty roster."""

    serializer_class = s.DutyShiftSerializer
    queryset = DutyShift.objects.select_related("engineer")
    filterset_class = DutyShiftFilter

    def save(self, user: User, instance: Any) -> Any:
        return duty.save_shift(user, instance)


class AlertWebhookViewSet(ManagedViewSet):
    """SMS or chat gateways that receive Urgent alerts."""

    serializer_class = s.AlertWebhookSerializer
    queryset = AlertWebhook.objects.all()

    def save(self, user: User, instance: Any) -> Any:
        return duty.save_webhook(user, instance)

    def get_queryset(self) -> QuerySet[AlertWebhook]:
        require_manager(acting_user(self.request))
        return AlertWebhook.objects.all()


class UrgentAlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Urgent alerts sent to the engineers on duty (contractor staff only)."""

    serializer_class = s.UrgentAlertSerializer
    filterset_fields = ["ticket", "status", "channel"]
    pagination_class = None

    def get_queryset(self) -> QuerySet[UrgentAlert]:
        return alerts_visible_to(acting_user(self.request)).order_by("-created_at", "-id")

    @extend_schema(request=None, responses=s.UrgentAlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        alert = self.get_object()
        duty.acknowledge(alert, acting_user(request), Channel.API)
        alert.refresh_from_db()
        return Response(s.UrgentAlertSerializer(alert).data)


class PhoneCallViewSet(mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The customers' phone calls recorded on tickets (contractor staff only)."""

    serializer_class = s.PhoneCallSerializer
    pagination_class = None
    filterset_fields = ["ticket"]

    def get_queryset(self) -> QuerySet[PhoneCall]:
        if _schema_only(self):
            return PhoneCall.objects.none()
        user = acting_user(self.request)
        if not user.is_contractor:
            raise Http404
        return PhoneCall.objects.select_related("agent")

    @extend_schema(request=s.PhoneCallCreateSerializer, responses={201: s.PhoneCallSerializer})
    def create(self, request: Request) -> Response:
        user = acting_user(request)
        _staff_only(request)
        data = validated(s.PhoneCallCreateSerializer, request.data)
        ticket = _get(tickets_visible_to(user), data.pop("ticket"), "ticket")
        call = duty.record_phone_call(ticket, user, channel=Channel.API, **data)
        return Response(s.PhoneCallSerializer(call).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    """Add the releases endpoints to the project's API router."""
    router.register("releases/versions", ProductVersionViewSet, basename="release-version")
    router.register("releases/installations", InstallationViewSet, basename="release-installation")
    router.register("releases/plans", UpdatePlanViewSet, basename="release-plan")
    router.register("releases/windows", InstallationWindowViewSet, basename="release-window")
    router.register("releases/duty-shifts", DutyShiftViewSet, basename="release-duty-shift")
    router.register("releases/webhooks", AlertWebhookViewSet, basename="release-webhook")
    router.register("releases/alerts", UrgentAlertViewSet, basename="release-alert")
    router.register("releases/phone-calls", PhoneCallViewSet, basename="release-phone-call")
