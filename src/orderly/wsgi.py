import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")
application = get_wsgi_application()

# Load the whole code and build the API's schema now, so the first request is as fast as the others.
from orderly.api.v1 import api  # noqa: E402 (after Django is set up)

api.get_openapi_schema()  # the same schema the openapi.json view asks for

# What is loaded now (Django, the apps, their models) lives as long as the process. Freezing it keeps the cyclic
# collector from walking it on every full collection, and a higher first threshold makes collections rarer; a
# page of 50 orders allocates enough to trigger one every ~15 requests, which was the API list's p95 (55-80 ms
# per full collection; bench/README.md).
gc.freeze()
gc.set_threshold(20_000, 20, 20)
