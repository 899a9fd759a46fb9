"""Every request gets an id (the caller's X-Request-ID, or a new one) that its log lines carry and its answer echoes;
it is counted and timed for `/metrics`, and written to the access log."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from orderly.core.logs import log_context
from orderly.ops.metrics import observe_request

access_log = logging.getLogger("orderly.access")

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is taken when it is short and plain (a UUID, a proxy's or tracer's id); anything else is replaced,
# so that no client can write what it likes into the logs.
ACCEPTED_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
# Asked every few seconds by load balancers and Prometheus: logged at DEBUG, not to drown the rest.
QUIET_ROUTES = frozenset({"/health", "/metrics"})


def request_id_for(request: HttpRequest) -> str:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    return given if ACCEPTED_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (`/api/v1/orders/<number>`), never the path itself, so that the metrics' label
    values stay few; "static" for the static files WhiteNoise serves, "unmatched" for every path no pattern took."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route
    if request.path.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestMiddleware:
    """First in MIDDLEWARE, so that it sees every answer (a static file, a refusal by a later middleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.request_id = request_id
        with log_context(request_id=request_id, order_number=None):
            started = time.perf_counter()
            response = self.get_response(request)
            seconds = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            route = route_of(request)
            duration_ms = round(seconds * 1000, 1)  # the one figure both the message and its field give
            observe_request(method=request.method, status=response.status_code, route=route, seconds=seconds)
            access_log.log(
                logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
                "%s %s %s %.0f ms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        return response
