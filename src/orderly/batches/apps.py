from django.apps import AppConfig


class BatchesConfig(AppConfig):
    name = "orderly.batches"
    label = "batches"
    verbose_name = "Order batches"
