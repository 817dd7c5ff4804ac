from django.urls import path

from secondline.replies import views

app_name = "replies"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("<str:kind>/<int:pk>/delete/", views.delete, name="delete"),
    path("tickets/<int:ticket_pk>/answer/", views.insert, name="insert"),
    path("macros/<int:pk>/tickets/<int:ticket_pk>/", views.apply, name="apply"),
]
