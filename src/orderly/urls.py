from django.contrib import admin
from django.urls import include, path, re_path

from orderly.api.errors import not_found_view
from orderly.api.v1 import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # Anything else under /api answers in the API's JSON error shape, never a web page (`/api/v1` itself is
    # left to the redirect to `/api/v1/`).
    re_path(r"^api(?:/(?!v1$).*)?$", not_found_view),
    path("", include("orderly.ops.urls")),
    path("", include("orderly.web.urls")),
]
