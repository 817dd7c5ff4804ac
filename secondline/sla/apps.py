from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "secondline.sla"
    verbose_name = _("Calendars and SLA")

    def ready(self) -> None:
        from django.core import checks

        from secondline.celery import register_periodic
        from secondline.sla import receivers, signals  # noqa: F401 - connect the listeners
        from secondline.sla.checks import russian_decree_check
        from secondline.sla.tasks import SWEEP_EVERY_SECONDS

        checks.register(russian_decree_check)
        register_periodic("sla-sweep", "secondline.sla.tasks.sweep_sla", SWEEP_EVERY_SECONDS)
