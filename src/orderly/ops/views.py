"""`/health` and `/metrics`: for load balancers, monitors and Prometheus, not for people."""

import ipaddress

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, choose_encoder, generate_latest

from orderly.core.roles import Role
from orderly.core.services import token_authenticate
from orderly.ops.health import DOWN, OK, health
from orderly.ops.metrics import scrape_registry

# Headers a reverse proxy adds: a request carrying one came from further away than the proxy's loopback address.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")
STRICT_VALUES = {"1", "true", "yes"}


@never_cache
@require_safe
def health_view(request: HttpRequest) -> JsonResponse:
    """200 while the web can serve ("ok", or "degraded" when no worker beat lately), 503 when "down". With
    `?strict=1`, "degraded" answers 503 too: for a monitor that should raise an alarm when the worker stops."""
    report = health()
    strict = request.GET.get("strict", "").strip().lower() in STRICT_VALUES
    failing = report["status"] == DOWN or (strict and report["status"] != OK)
    return JsonResponse(report, status=503 if failing else 200)


def _from_loopback(request: HttpRequest) -> bool:
    if any(header in request.META for header in FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """None when the caller may read the metrics: from this machine (no proxy in between), or with the API token
    of a manager or admin. Otherwise the 401 or 403 to answer."""
    if _from_loopback(request):
        return None
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    token = token_authenticate(raw=raw.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        response = HttpResponse(
            "Metrics are read from this machine, or with the API token of a manager or admin: "
            "send it as `Authorization: Bearer <token>`.\n",
            status=401,
            content_type="text/plain; charset=utf-8",
        )
        response["WWW-Authenticate"] = 'Bearer realm="orderly"'
        return response
    if not token.user.can(Role.MANAGER):
        return HttpResponse(
            f"Your role ({token.user.role}) may not read the metrics; this needs manager or above.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return None


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition (or OpenMetrics, when the scraper asks for it)."""
    if (refused := _refusal(request)) is not None:
        return refused
    try:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    except (TypeError, ValueError):  # a version in the Accept header that is no version number
        encoder, content_type = generate_latest, CONTENT_TYPE_PLAIN_0_0_4
    return HttpResponse(encoder(scrape_registry()), content_type=content_type)
