from django.urls import path

from secondline.releases import views

app_name = "releases"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("installations/<int:installation_id>/propose/", views.propose, name="propose"),
    path("plans/<int:ticket_id>/", views.plan_page, name="plan"),
    path("windows/", views.windows_calendar, name="windows"),
    path("duty/", views.roster, name="roster"),
    path("alerts/ack/<str:token>/", views.acknowledge, name="acknowledge"),
]
