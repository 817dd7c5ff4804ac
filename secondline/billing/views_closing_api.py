"""The statement-closing part of ``/api/statements/``: corrections, credits, price list items,
revisions, the act (PDF), the workbook (XLSX) and the accounting JSON for 1C.

Mixed into ``views_api.StatementViewSet``; no rule lives here, the verbs are in
``billing.corrections``, ``billing.acts`` and ``billing.accounting``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from secondline.accounts.api import acting_user, validated
from secondline.billing import access, accounting, acts, corrections
from secondline.billing import serializers as s
from secondline.billing import serializers_closing as c
from secondline.billing.models import PriceListItem, Statement
from secondline.common.renderers import PDFRenderer, XLSXRenderer
from secondline.tickets.choices import Channel

XLSX = XLSXRenderer.media_type
LANG = OpenApiParameter("lang", str, enum=["en", "ru"])


def _file(make: Callable[[], bytes], content_type: str, name: str) -> HttpResponse:
    """The file, or a JSON 400 naming the field (a file type cannot carry the message)."""
    try:
        body = make()
    except ValidationError as error:
        return JsonResponse(error.message_dict, status=400)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class StatementClosingActions:
    """Actions of a statement after it is issued: correct, credit, item, revisions, act."""

    get_object: Callable[[], Statement]
    _answer: Callable[..., Response]

    @extend_schema(request=c.CorrectLineSerializer, responses=s.StatementDetailSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request: Request, pk: str) -> Response:
        """A manager corrects a line's hours or amount, with a reason (after a dispute)."""
        statement = self.get_object()
        data = validated(c.CorrectLineSerializer, request.data)
        line = access.get_line_for(acting_user(request), statement, data.pop("line"))
        corrections.correct_line(line, acting_user(request), channel=Channel.API, **data)
        return self._answer(statement)

    @extend_schema(request=c.CreditSerializer, responses=s.StatementDetailSerializer)
    @action(detail=True, methods=["post"])
    def credit(self, request: Request, pk: str) -> Response:
        """A manager adds a credit line (a negative amount), with a reason."""
        statement = self.get_object()
        data = validated(c.CreditSerializer, request.data)
        corrections.add_credit(statement, acting_user(request), **data)
        return self._answer(statement)

    @extend_schema(request=c.PriceItemSerializer, responses=s.StatementDetailSerializer)
    @action(detail=True, methods=["post"])
    def items(self, request: Request, pk: str) -> Response:
        """A manager adds a fixed-price item of the contract's price list."""
        statement = self.get_object()
        data = validated(c.PriceItemSerializer, request.data)
        access.require_can_prepare_statements(acting_user(request))
        item = PriceListItem.objects.filter(pk=data["item"], contract=statement.contract).first()
        if item is None:
            raise DRFValidationError({"item": [_("No such item on the contract's price list.")]})
        corrections.add_price_item(
            statement, acting_user(request), item=item, quantity=data["quantity"]
        )
        return self._answer(statement)

    @extend_schema(request=None, responses=c.RevisionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def revisions(self, request: Request, pk: str) -> Response:
        """Every issued revision as the customer received it, lines included."""
        revisions = self.get_object().revisions.order_by("number")
        return Response(c.RevisionSerializer(revisions, many=True).data)

    @extend_schema(parameters=[LANG], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def act(self, request: Request, pk: str) -> HttpResponse:
        """The act of work completed of an approved statement (400 before approval)."""
        statement = self.get_object()
        language = request.query_params.get("lang") or acting_user(request).language
        return _file(
            lambda: acts.act_pdf(statement, language),
            "application/pdf",
            acts.filename(statement, "pdf"),
        )

    @extend_schema(parameters=[LANG], responses={(200, XLSX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, XLSXRenderer])
    def xlsx(self, request: Request, pk: str) -> HttpResponse:
        """The approved statement as an XLSX workbook for the accountant."""
        statement = self.get_object()
        language = request.query_params.get("lang") or acting_user(request).language
        return _file(
            lambda: accounting.statement_xlsx(statement, language),
            XLSX,
            acts.filename(statement, "xlsx"),
        )

    @extend_schema(parameters=[LANG], responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def accounting(self, request: Request, pk: str) -> Response:
        """The approved statement as data for a 1C processing (format in docs/api.md)."""
        statement = self.get_object()
        language = request.query_params.get("lang") or acting_user(request).language
        return Response(accounting.accounting_json(statement, language))
