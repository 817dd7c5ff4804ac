from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "secondline.monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from prometheus_client import REGISTRY

        from secondline.monitoring.metrics import SecondLineCollector

        if not any(isinstance(c, SecondLineCollector) for c in REGISTRY._collector_to_names):
            REGISTRY.register(SecondLineCollector())
