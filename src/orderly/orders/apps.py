from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orderly.orders"
    label = "orders"
    verbose_name = "Orders"
