from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "orderly.catalog"
    label = "catalog"
    verbose_name = "Catalog"
