from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "orderly.channels"
    label = "channels"
    verbose_name = "Sales channels"
