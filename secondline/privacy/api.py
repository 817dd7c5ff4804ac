"""``GET /api/organizations/{id}/export/``: the organisation's data as one JSON document."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from secondline.accounts.access import organizations_visible_to
from secondline.accounts.api import acting_user
from secondline.common.ids import MAX_ID
from secondline.privacy.export import organization_export
from secondline.tickets.access import may_export_audit


class OrganizationExport(APIView):
    """The organisation, its contacts, its tickets with their comments and the list of their
    files: everything for the contractor's managers, what its people see for the customer's
    responsible person (docs/security.md, Personal data)."""

    @extend_schema(
        operation_id="organizations_export",
        parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, pk: int, *args: Any, **kwargs: Any) -> Response:
        user = acting_user(request)
        organization = (
            organizations_visible_to(user).filter(pk=pk).first() if pk <= MAX_ID else None
        )
        if organization is None:
            raise Http404  # another customer's answers exactly like a missing one
        if not may_export_audit(user, organization.pk):
            raise PermissionDenied(
                _(
                    "Only the contractor's managers and the customer's responsible person can "
                    "export the organisation's data."
                )
            )
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        response = Response(organization_export(organization, user))
        response["Content-Disposition"] = (
            f'attachment; filename="organization-{organization.pk}-{stamp}.json"'
        )
        return response
