from django.urls import path

from orderly.ops.views import health_view, metrics_view

urlpatterns = [
    path("health", health_view, name="health"),
    path("metrics", metrics_view, name="metrics"),
]
