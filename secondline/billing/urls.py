from django.urls import path

from secondline.billing import views

app_name = "billing"

urlpatterns = [
    path("", views.index, name="index"),
    path("tickets/<int:ticket_id>/worklogs/", views.ticket_worklogs, name="ticket_worklogs"),
    path("tickets/<int:ticket_id>/requests/", views.raise_request, name="raise_request"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("statements/", views.generate, name="generate"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/csv/", views.statement_csv, name="statement_csv"),
    path("statements/<int:pk>/pdf/", views.statement_pdf, name="statement_pdf"),
]
