from django.urls import path

from secondline.sla import views

app_name = "sla"

urlpatterns = [
    path("report/", views.report, name="report"),
]
