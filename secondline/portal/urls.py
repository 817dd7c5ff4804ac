from django.contrib.auth import views as auth_views
from django.urls import path

from secondline.accounts.forms import RateLimitedPasswordResetForm
from secondline.portal.views import (
    common,
    desk,
    filing,
    info,
    quarantine,
    search,
    ticket_list,
    ticket_page,
    ticket_relations,
)

app_name = "portal"

urlpatterns = [
    path("", common.home, name="home"),
    path("language/", common.set_language, name="set_language"),
    path("support/", info.how_support_works, name="how_support_works"),
    path("search/", search.search, name="search"),
    path("tickets/", ticket_list.ticket_list, name="ticket_list"),
    path("tickets/new/", filing.ticket_new, name="ticket_new"),
    path("tickets/new/fields/", filing.ticket_fields, name="ticket_fields"),
    path("tickets/<int:pk>/", ticket_page.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/urgent/", filing.ticket_urgent, name="ticket_urgent"),
    path("tickets/<int:pk>/reply/", ticket_page.ticket_reply, name="ticket_reply"),
    path("tickets/<int:pk>/phone-call/", ticket_page.ticket_phone_call, name="ticket_phone_call"),
    path("tickets/<int:pk>/status/", ticket_page.ticket_status, name="ticket_status"),
    path("tickets/<int:pk>/priority/", ticket_page.ticket_priority, name="ticket_priority"),
    path("tickets/<int:pk>/decline/", ticket_page.ticket_decline, name="ticket_decline"),
    path("tickets/<int:pk>/assign/", ticket_page.ticket_assign, name="ticket_assign"),
    path("tickets/<int:pk>/watchers/", ticket_page.ticket_watchers, name="ticket_watchers"),
    path("tickets/<int:pk>/merge/", ticket_relations.ticket_merge, name="ticket_merge"),
    path("tickets/<int:pk>/links/", ticket_relations.ticket_links, name="ticket_links"),
    path(
        "tickets/<int:pk>/files/<int:attachment_pk>/",
        ticket_page.attachment_download,
        name="attachment",
    ),
    path("desk/", desk.queue, name="queue"),
    path("desk/counts/", desk.queue_counts, name="queue_counts"),
    path("desk/bulk/", desk.bulk, name="bulk"),
    path("desk/views/", desk.save_view, name="save_view"),
    path("desk/views/<int:pk>/delete/", desk.delete_view, name="delete_view"),
    path("desk/dashboard/", desk.dashboard, name="dashboard"),
    path("desk/quarantine/", quarantine.quarantine_list, name="quarantine"),
    path("desk/quarantine/<int:pk>/", quarantine.quarantine_detail, name="quarantine_detail"),
    path("desk/quarantine/<int:pk>/retry/", quarantine.quarantine_retry, name="quarantine_retry"),
    path(
        "desk/quarantine/discard/",
        quarantine.quarantine_discard_many,
        name="quarantine_discard_many",
    ),
    path(
        "desk/quarantine/<int:pk>/accept/", quarantine.quarantine_accept, name="quarantine_accept"
    ),
    path(
        "desk/quarantine/<int:pk>/discard/",
        quarantine.quarantine_discard,
        name="quarantine_discard",
    ),
    path(
        "desk/quarantine/<int:pk>/ticket/", quarantine.quarantine_ticket, name="quarantine_ticket"
    ),
]

auth_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=RateLimitedPasswordResetForm),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
