from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "orderly.api"
    label = "api"
    verbose_name = "REST API"
