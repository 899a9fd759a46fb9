from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "orderly.core"
    label = "core"
    verbose_name = "Core"
