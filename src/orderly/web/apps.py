from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "orderly.web"
    label = "web"
    verbose_name = "Web pages"
