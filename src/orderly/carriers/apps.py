from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "orderly.carriers"
    label = "carriers"
    verbose_name = "Carriers"
