from django.urls import path

from secondline.billing import views, views_closing

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
    path("statements/<int:pk>/correct/", views_closing.correct, name="statement_correct"),
    path("statements/<int:pk>/credit/", views_closing.credit, name="statement_credit"),
    path("statements/<int:pk>/items/", views_closing.item, name="statement_item"),
    path(
        "statements/<int:pk>/revisions/<int:number>/",
        views_closing.revision,
        name="statement_revision",
    ),
    path("statements/<int:pk>/act/", views_closing.act, name="statement_act"),
    path("statements/<int:pk>/xlsx/", views_closing.xlsx, name="statement_xlsx"),
]
