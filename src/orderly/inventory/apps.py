from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "orderly.inventory"
    label = "inventory"
    verbose_name = "Inventory"
