"""Merge and link endpoints of a ticket (``/api/tickets/{id}/merge/``, ``.../links/``).

Access as everywhere: the ticket in the URL is looked up through ``tickets.access`` (another
customer's ticket is a 404), the other ticket in the body likewise (a number nobody has and
another customer's ticket are the same 400 on the field); the rules, and who may act, are
the services' (``tickets.merging``, ``tickets.links``): a customer gets their 403 there.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from secondline.accounts.api import acting_user, validated
from secondline.accounts.models import User
from secondline.api import serializers as s
from secondline.tickets import links as ticket_links
from secondline.tickets import merging
from secondline.tickets.access import get_ticket_for, tickets_visible_to
from secondline.tickets.choices import Channel
from secondline.tickets.models import Ticket


def _other(user: User, pk: int) -> Ticket | None:
    return tickets_visible_to(user).filter(pk=pk).first()


def _no_such(field: str) -> Response:
    return Response({field: [_("No such ticket.")]}, status=status.HTTP_400_BAD_REQUEST)


class TicketRelationsMixin:
    """Mixed into ``TicketViewSet``: its ``_answer`` renders a ticket with its ETag."""

    @extend_schema(request=s.MergeSerializer, responses=s.TicketSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str) -> Response:
        """Merge this ticket (the duplicate) into ``original``; answers with the original.

        Contractor staff only; both tickets of one customer organisation; no merging into
        itself, into a merged ticket, nor of a ticket others were merged into (400 naming
        ``original`` or ``ticket``, this one)."""
        user = acting_user(request)
        ticket = get_ticket_for(user, pk)
        data = validated(s.MergeSerializer, request.data)
        original = _other(user, data["original"])
        if original is None:
            return _no_such("original")
        merged = merging.merge_tickets(ticket, original, user, Channel.API)
        return self._answer(merged)  # type: ignore[attr-defined]

    @extend_schema(methods=["get"], responses=s.RelatedTicketSerializer(many=True))
    @extend_schema(
        methods=["post", "delete"],
        request=s.LinkSerializer,
        responses=s.RelatedTicketSerializer(many=True),
    )
    @action(detail=True, methods=["get", "post", "delete"])
    def links(self, request: Request, pk: str) -> Response:
        """The related tickets the caller may see; staff link (POST) and unlink (DELETE)."""
        user = acting_user(request)
        ticket = get_ticket_for(user, pk)
        code: int = status.HTTP_200_OK
        if request.method in ("POST", "DELETE"):
            data = validated(s.LinkSerializer, request.data)
            other = _other(user, data["ticket"])
            if other is None:
                return _no_such("ticket")
            if request.method == "POST":
                ticket_links.link_tickets(ticket, other, user, Channel.API)
                code = status.HTTP_201_CREATED
            else:
                ticket_links.unlink_tickets(ticket, other, user, Channel.API)
        related = ticket_links.related_tickets(user, ticket)
        return Response(s.RelatedTicketSerializer(related, many=True).data, status=code)
