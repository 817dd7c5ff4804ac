from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "secondline.sla"
    verbose_name = _("Calendars and SLA")
