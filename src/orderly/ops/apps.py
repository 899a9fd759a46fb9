from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "orderly.ops"
    label = "ops"
    verbose_name = "Operations"
