from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "secondline.accounts"
    verbose_name = _("Organisations and contracts")

    def ready(self) -> None:
        from secondline.accounts import second_factor, signals  # noqa: F401 - connect the listeners
