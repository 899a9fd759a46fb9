from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "orderly.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self):
        from orderly.ops import worker

        worker.connect()
