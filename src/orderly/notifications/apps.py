from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "orderly.notifications"
    label = "notifications"
    verbose_name = "Customer e-mails"
