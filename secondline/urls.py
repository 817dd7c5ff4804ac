from django.contrib import admin
from django.urls import include, path

from secondline.portal.urls import auth_urlpatterns

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("secondline.api.urls")),
    path("sla/", include("secondline.sla.urls")),
    path("billing/", include("secondline.billing.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("releases/", include("secondline.releases.urls")),
    path("", include("secondline.monitoring.urls")),
    path("", include("secondline.portal.urls")),
    *auth_urlpatterns,
]
# No public /media/, not even with DEBUG: attachments are private, and the portal's and the
# API's download views are their only way out (each asks tickets.access first).
