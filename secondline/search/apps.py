from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "secondline.search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from secondline.search import lookups, receivers  # noqa: F401 - register and connect
