from django.contrib import admin
from django.urls import include, path

from secondline.portal.urls import auth_urlpatterns
from secondline.privacy.api import OrganizationExport

urlpatterns = [
    path("admin/", admin.site.urls),
    # beside the API's organisation routes; privacy sits above the API in the layers
    path("api/organizations/<int:pk>/export/", OrganizationExport.as_view(), name="org-export"),
    path("api/", include("secondline.api.urls")),
    path("sla/", include("secondline.sla.urls")),
    path("billing/", include("secondline.billing.urls")),
    path("", include("secondline.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("releases/", include("secondline.releases.urls")),
    path("desk/notifications/", include("secondline.subscriptions.urls")),
    path("replies/", include("secondline.replies.urls")),
    path("", include("secondline.monitoring.urls")),
    path("mail/", include("secondline.mail.urls")),
    path("", include("secondline.portal.urls")),
    *auth_urlpatterns,
]
# No public /media/, not even with DEBUG: attachments are private, and the portal's and the
# API's download views are their only way out (each asks tickets.access first).
