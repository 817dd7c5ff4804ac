from django.conf import settings
from django.conf.urls.static import static
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
    path("", include("secondline.portal.urls")),
    *auth_urlpatterns,
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
