from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "secondline.subscriptions"
    verbose_name = _("Notifications and automation")

    def ready(self) -> None:
        from secondline.celery import register_periodic
        from secondline.subscriptions import receivers  # noqa: F401 - connects the listeners

        register_periodic("subscriptions-timers", "secondline.subscriptions.tasks.run_timers", 60)
