from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from secondline.api import notices, quarantine, tokens, views
from secondline.billing import views_api as billing
from secondline.releases import api as releases_api
from secondline.replies import api as replies_api

router = DefaultRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("worklogs", billing.WorkLogViewSet, basename="worklog")
router.register("out-of-hours-requests", billing.OutOfHoursRequestViewSet, basename="ooh-request")
router.register("statements", billing.StatementViewSet, basename="statement")
router.register("auth/tokens", tokens.TokenViewSet, basename="token")
releases_api.register(router)
replies_api.register(router)
notices.register(router)
quarantine.register(router)

urlpatterns = [
    path("", include(router.urls)),
    path("auth/token/", tokens.ObtainToken.as_view(), name="api-token"),
    path("subscription/", notices.SubscriptionView.as_view(), name="api-subscription"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (?script), not inline, so
    # the Content-Security-Policy needs no exception for it.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    # ReDoc runs its search in a web worker it creates from a blob: URL. Its "powered by" logo
    # comes from its maker's site and stays blocked: reading our docs tells no one else.
    path(
        "redoc/",
        csp_update({"worker-src": ["'self'", "blob:"]})(
            SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
]
