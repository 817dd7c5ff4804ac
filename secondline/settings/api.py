"""The REST API (Django REST framework) and its OpenAPI schema (drf-spectacular)."""

from __future__ import annotations

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "secondline.accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # the JSON parser that answers a too deeply nested body with a 400 (api/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "secondline.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "secondline.api.pagination.UpdatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "secondline.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SecondLine API",
    "DESCRIPTION": "Tickets, contracts and the support rules of a second-line service desk.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # `check --deploy` is about a deployment's safety (tests/accounts/test_settings.py expects
    # it silent); the schema's naming hints are the API's own business, not a deployment's.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # One name per choice set where a field name ("status", "kind", "channel", "type") means
    # different things on different objects, or one set appears under two field names; without
    # them drf-spectacular names such sets with a hash (StatusBc0Enum) and warns.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "secondline.tickets.choices.Status",
        "NewStatusEnum": "secondline.tickets.choices.SETTABLE_STATUSES",
        "TicketPriorityEnum": "secondline.tickets.choices.Priority",
        "TicketTypeEnum": "secondline.tickets.choices.TicketType",
        "TicketChannelEnum": "secondline.tickets.choices.Channel",
        "StatementStatusEnum": "secondline.billing.statement_models.Statement.Status",
        "OutOfHoursDecisionEnum": "secondline.billing.models.OutOfHoursRequest.Decision",
        "OrganizationKindEnum": "secondline.accounts.models.Organization.Kind",
        "VersionKindEnum": "secondline.releases.models.VersionKind",
        "UpdatePlanStateEnum": "secondline.releases.models.UpdatePlan.State",
    },
}
