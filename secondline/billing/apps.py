from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "secondline.billing"
    verbose_name = _("Billing")
