from django.urls import path

from secondline.accounts import views

# Outside the portal's namespace: the middleware and the back office send people here.
urlpatterns = [
    path("account/two-factor/", views.setup, name="two_factor_setup"),
    path("account/two-factor/verify/", views.verify, name="two_factor_verify"),
    path("account/two-factor/backup-codes/", views.backup_codes, name="two_factor_backup_codes"),
]
