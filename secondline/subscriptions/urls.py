from django.urls import path

from secondline.subscriptions import views

app_name = "subscriptions"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("badge/", views.unread_badge, name="badge"),
    path("read-all/", views.notice_read_all, name="read_all"),
    path("subscription/", views.subscription, name="subscription"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("<int:pk>/read/", views.notice_read, name="read"),
]
