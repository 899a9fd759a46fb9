import gc
import io
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")

# The largest body read whole (a CSV file of orders at its limit, 10 MB, and its multipart wrapping).
MAX_CHUNKED_BODY = 11 * 1024 * 1024


def read_chunked_bodies(app, limit: int = MAX_CHUNKED_BODY):
    """Give Django a body sent with `Transfer-Encoding: chunked` (no Content-Length), which it would otherwise read
    as empty: the server has already decoded the chunks, so the input is read to its end (at most `limit` + 1
    bytes: one more than allowed is enough for the endpoint to refuse it) and its length set."""

    def wrapped(environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if chunked and not environ.get("CONTENT_LENGTH"):
            body = environ["wsgi.input"].read(limit + 1)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return app(environ, start_response)

    return wrapped


application = read_chunked_bodies(get_wsgi_application())

# Load the whole code and build the API's schema now, so the first request is as fast as the others.
from orderly.api.v1 import api  # noqa: E402 (after Django is set up)

api.get_openapi_schema()  # the same schema the openapi.json view asks for

# What is loaded now (Django, the apps, their models) lives as long as the process. Freezing it keeps the cyclic
# collector from walking it on every full collection, and a higher first threshold makes collections rarer; a
# page of 50 orders allocates enough to trigger one every ~15 requests, which was the API list's p95 (55-80 ms
# per full collection; bench/README.md).
gc.freeze()
gc.set_threshold(20_000, 20, 20)
