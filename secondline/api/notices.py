"""REST endpoints of what the desk's notification list offers the contractor's staff
(docs/api.md, Notifications): the in-app notices and marking them read (``/api/notices/``),
what one follows (``/api/subscription/``), and the tickets one watches (``/api/watching/``).

They call what the desk's views call (subscriptions.notices, subscriptions.audience,
tickets.services' watcher verbs); wired into secondline/api/urls.py with ``register(router)``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter
from rest_framework.views import APIView

from secondline.accounts.api import acting_user, validated
from secondline.accounts.models import User
from secondline.api.pagination import CreatedCursorPagination
from secondline.common.ids import MAX_ID, row_id
from secondline.subscriptions import audience, notices
from secondline.subscriptions.models import Notice, Subscription
from secondline.tickets import watchers
from secondline.tickets.access import get_ticket_for, tickets_visible_to
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket


def staff_only(request: Request) -> User:
    """The desk's notification list is for the contractor's staff (the desk: a 404 to others)."""
    person = acting_user(request)
    if not person.is_contractor:
        raise PermissionDenied(_("Notifications and subscriptions are for the contractor's staff."))
    return person


class NoticeSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    ticket_number = serializers.CharField(source="ticket.number", read_only=True)
    ticket_subject = serializers.CharField(source="ticket.subject", read_only=True)
    actor = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "kind_label",
            "ticket",
            "ticket_number",
            "ticket_subject",
            "actor",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields

    def get_actor(self, notice: Notice) -> str | None:
        actor = notice.event.actor if notice.event else None
        return actor.display_name if actor else None


class UnreadFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(
        required=False, default=False, help_text="Only the notices not read yet."
    )


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first (the desk's list); ``read`` marks one read,
    ``read-all`` all of them; ``unread-count`` is the desk header's number."""

    serializer_class = NoticeSerializer
    pagination_class = CreatedCursorPagination
    filter_backends: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        staff_only(request)

    def get_queryset(self) -> QuerySet[Notice]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generator, nobody signed in
            return Notice.objects.none()
        found = notices.notices_of(acting_user(self.request))
        query = self.request.query_params
        if self.action == "list" and validated(UnreadFilterSerializer, query)["unread"]:
            found = found.filter(read_at__isnull=True)
        return found

    @extend_schema(parameters=[UnreadFilterSerializer])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        person = acting_user(request)
        notice_id = row_id(pk)
        if notice_id is None or not notices.mark_read(person, notice_id):
            raise Http404
        return Response(NoticeSerializer(notices.notices_of(person).get(pk=notice_id)).data)

    @extend_schema(
        request=None,
        responses=inline_serializer("NoticesMarked", {"marked": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": notices.mark_all_read(acting_user(request))})

    @extend_schema(
        responses=inline_serializer("NoticesUnread", {"unread": serializers.IntegerField()})
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": notices.unread_count(acting_user(request))})


class SubscriptionSerializer(serializers.ModelSerializer):
    organizations = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=audience.followable_organizations(),
        help_text="Customer organisations whose tickets the caller hears about.",
    )

    class Meta:
        model = Subscription
        fields = ["my_tickets", "my_customers", "all_new", "organizations", "by_email"]

    def to_representation(self, instance: Subscription) -> dict[str, Any]:
        if instance.pk is None:  # the default one (audience.subscription_of), never saved
            flags = ("my_tickets", "my_customers", "all_new", "by_email")
            return {**{name: getattr(instance, name) for name in flags}, "organizations": []}
        return dict(super().to_representation(instance))


class SubscriptionView(APIView):
    """What the caller hears about (the desk's subscriptions form): GET reads it, PATCH
    changes the fields it names."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        staff_only(request)

    @extend_schema(responses=SubscriptionSerializer)
    def get(self, request: Request) -> Response:
        subscription = audience.subscription_of(acting_user(request))
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(request=SubscriptionSerializer, responses=SubscriptionSerializer)
    def patch(self, request: Request) -> Response:
        with transaction.atomic():  # a refused change leaves no row behind
            subscription = audience.subscription_to_change(acting_user(request))
            serializer = SubscriptionSerializer(subscription, data=request.data, partial=True)
            serializer.is_valid(raise_exception=True)
            saved = serializer.save()
        return Response(SubscriptionSerializer(saved).data)


class WatchedTicketSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "number", "subject", "status", "priority", "updated_at"]
        read_only_fields = fields


class WatchSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of the ticket to watch."
    )


class WatchingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The tickets the caller watches (hears about by email as a watcher): POST one to watch
    it, DELETE ``/api/watching/{ticket id}/`` to stop; the same rules as the ticket page's
    watchers (tickets.watchers.add_watcher, remove_watcher)."""

    serializer_class = WatchedTicketSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Ticket]:
        person = acting_user(self.request)
        return tickets_visible_to(person).filter(watchers=person)

    @extend_schema(request=WatchSerializer, responses={201: WatchedTicketSerializer})
    def create(self, request: Request) -> Response:
        person = acting_user(request)
        ticket = get_ticket_for(person, validated(WatchSerializer, request.data)["ticket"])
        watchers.add_watcher(ticket, person, person, Channel.API)
        return Response(WatchedTicketSerializer(ticket).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="ticket id")],
        responses={204: None},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        person = acting_user(request)
        ticket = get_ticket_for(person, pk)
        watchers.remove_watcher(ticket, person, person, Channel.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: BaseRouter) -> None:
    router.register("notices", NoticeViewSet, basename="notice")
    router.register("watching", WatchingViewSet, basename="watching")
