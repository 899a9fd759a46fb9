from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "orderly.plans"
    label = "plans"
    verbose_name = "Fulfillment plans"
