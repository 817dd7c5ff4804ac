from django.urls import path

from secondline.mail import views

app_name = "mail"
urlpatterns = [
    path("urgent/<str:token>/", views.confirm_urgent, name="confirm_urgent"),
]
