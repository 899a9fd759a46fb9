from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "orderly.billing"
    label = "billing"
    verbose_name = "Payments and invoices"
