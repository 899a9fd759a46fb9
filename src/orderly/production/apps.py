from django.apps import AppConfig


class ProductionConfig(AppConfig):
    name = "orderly.production"
    label = "production"
    verbose_name = "Production"
