from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "secondline.api"
    verbose_name = "REST API"
