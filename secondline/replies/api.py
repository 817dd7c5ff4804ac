"""REST endpoints of canned replies and macros (``/api/canned-replies/``, ``/api/macros/``),
for the contractor's staff. Wired into secondline/api/urls.py with ``register(router)``."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from secondline.accounts.api import acting_user, validated
from secondline.replies import serializers as s
from secondline.replies import services
from secondline.replies.models import CannedReply, Macro
from secondline.tickets.access import get_ticket_for
from secondline.tickets.choices import Channel


class Owned(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    pagination_class = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if not acting_user(request).is_contractor:
            raise PermissionDenied(_("Canned replies and macros are for the contractor's staff."))

    def perform_create(self, serializer: Any) -> None:
        user = acting_user(self.request)
        team = serializer.validated_data.pop("team", False)
        if team and not user.is_manager:
            raise PermissionDenied(_("Only the contractor's managers keep the team's items."))
        serializer.save(owner=None if team else user)

    def perform_destroy(self, instance: Model) -> None:
        if not services.may_edit(acting_user(self.request), instance):  # type: ignore[arg-type]
            raise PermissionDenied(_("Only its owner (a manager for the team's) may delete it."))
        instance.delete()

    def _ticket(self, request: Request) -> Any:
        data = validated(s.TicketRefSerializer, request.data or request.query_params)
        return get_ticket_for(acting_user(request), data["ticket"])


class CannedReplyViewSet(Owned):
    """The team's canned replies and the caller's own; ``render`` fills one for a ticket."""

    serializer_class = s.CannedReplySerializer

    def get_queryset(self) -> QuerySet[CannedReply]:
        return services.replies_for(acting_user(self.request))

    @extend_schema(parameters=[s.TicketRefSerializer], responses=s.RenderedSerializer)
    @action(detail=True, methods=["get"])
    def render(self, request: Request, pk: str) -> Response:
        reply = self.get_object()
        ticket = self._ticket(request)
        body = services.reply_text(reply, ticket, acting_user(request))
        return Response({"title": reply.title, "body": body})


class MacroViewSet(Owned):
    """The team's macros and the caller's own; ``apply`` runs one on a ticket."""

    serializer_class = s.MacroSerializer

    def get_queryset(self) -> QuerySet[Macro]:
        return services.macros_for(acting_user(self.request))

    @extend_schema(request=s.TicketRefSerializer, responses=s.AppliedSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str) -> Response:
        macro = self.get_object()
        ticket = self._ticket(request)
        ticket = services.apply_macro(macro, ticket, acting_user(request), Channel.API)
        return Response(s.AppliedSerializer(ticket).data, status=status.HTTP_200_OK)


def register(router: BaseRouter) -> None:
    """Add the canned replies and macros to the project's API router."""
    router.register("canned-replies", CannedReplyViewSet, basename="canned-reply")
    router.register("macros", MacroViewSet, basename="macro")
