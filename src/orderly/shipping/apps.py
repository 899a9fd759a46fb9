from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "orderly.shipping"
    label = "shipping"
    verbose_name = "Fulfillments, shipments and returns"
