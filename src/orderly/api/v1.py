"""The REST API, version 1, mounted at /api/v1/: OpenAPI at openapi.json, interactive docs at docs."""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path, re_path
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from orderly.api import errors
from orderly.api.gate import authenticate_first
from orderly.api.guards import reject_unstorable_input
from orderly.api.openapi import document_errors
from orderly.api.routers.batches import router as batches_router
from orderly.api.routers.billing import router as billing_router
from orderly.api.routers.carriers import router as carriers_router
from orderly.api.routers.catalog import router as catalog_router
from orderly.api.routers.channels import orders_router as channel_orders_router
from orderly.api.routers.channels import router as channels_router
from orderly.api.routers.inventory import router as inventory_router
from orderly.api.routers.notifications import router as notifications_router
from orderly.api.routers.orders import router as orders_router
from orderly.api.routers.plans import router as plans_router
from orderly.api.routers.production import router as production_router
from orderly.api.routers.roasting import router as roasting_router
from orderly.api.routers.shipping import router as shipping_router
from orderly.api.routers.tokens import router as tokens_router
from orderly.core.error_codes import ErrorCode

DESCRIPTION = """
Orders and the catalog of Orderly.

**Authentication**: send `Authorization: Bearer <token>` (create one with `orderly token create USERNAME`, at
Settings → API tokens in the web pages, or with POST /tokens). A revoked or expired token is refused with 401.
A *viewer* reads; an *operator* also changes orders; a *manager* also the catalog; an *admin* everything.

**Errors** always look like `{"error": {"code": "...", "message": "...", "field": "...", "detail": {...}}}`: `code`
comes from one catalogue of error codes, `field` names the input at fault as a dotted path such as
`items[0].quantity` (or is null), and `detail` carries the refusal's data under keys fixed per code (the SKU, how
many were needed and available, the current and attempted state…). Each operation's error answers list the codes
they may carry with their detail keys, and show an example of each.

**Idempotency**: every POST accepts an `Idempotency-Key` header; a repeat with the same key and body replays the first
answer (marked `Idempotent-Replayed: true`) and does the work once.

Money and other decimals are strings (`"18.53"`). Lists answer `{items, total, total_exact, page, page_size, pages,
next, previous}`: `total` stops at 10,000 (`total_exact` false; a list that pages by cursor counts on with
`count=exact`). Orders, invoices, the stock ledger, the sync log, batches, roast batches and the e-mail log page by
cursor: follow `next` for the following page (stable while rows are added); elsewhere `next` and `previous` are
null and `page` numbers the pages.
"""


class OrderlyAPI(NinjaAPI):
    """NinjaAPI whose every answer, unknown paths and unserved methods included, is JSON in the one error shape;
    its root is an index of where the docs and the schema are, and its OpenAPI schema is built once per process."""

    def _get_urls(self) -> list:
        patterns = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name == "api-root":
                continue  # ninja's root raises an HTML 404; ours below is the index
            if isinstance(pattern, URLPattern):
                pattern.callback = errors.json_not_allowed(pattern.callback)
            patterns.append(pattern)
        patterns.append(path("", index_view, name="api-root"))
        patterns.append(re_path(r"^.+$", errors.not_found_view))
        return patterns

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None):
        # The routes are fixed once the process has loaded them; building the schema took seconds per request.
        key = (path_prefix, tuple(sorted((path_params or {}).items())))
        schemas = self.__dict__.setdefault("_schemas", {})
        if key not in schemas:
            # ninja's schema, with every error answer documented code by code (see `orderly.api.openapi`)
            schemas[key] = document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))
        return schemas[key]


def index_view(request: HttpRequest) -> JsonResponse:
    """GET /api/v1/: what this API is and where its docs and schema are (any method but GET is refused)."""
    if request.method not in ("GET", "HEAD"):
        answer = errors.error_response(
            ErrorCode.METHOD_NOT_ALLOWED,
            f"{request.method} is not allowed here; use GET, HEAD.",
            detail={"method": request.method, "allowed": ["GET", "HEAD"]},
        )
        answer["Allow"] = "GET, HEAD"
        return answer
    root = request.build_absolute_uri(request.path)
    return JsonResponse(
        {
            "name": "Orderly API",
            "version": "1",
            "docs": f"{root}docs",
            "openapi": f"{root}openapi.json",
            "authentication": "Authorization: Bearer <token>; `orderly token create USERNAME` makes one.",
        }
    )


index_view.csrf_exempt = True


api = OrderlyAPI(
    title="Orderly API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    # No validator badge: the docs page must not call out to the internet.
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": True}),
)
errors.install(api)
api.add_decorator(reject_unstorable_input, mode="view")
# Added last, so it runs first: no token (unless the operation is public) → 401 before any input is read.
api.add_decorator(authenticate_first, mode="view")
api.add_router("/orders", orders_router)
api.add_router("", catalog_router)
api.add_router("/channels", channels_router)
api.add_router("/orders", channel_orders_router)
api.add_router("/inventory", inventory_router)
api.add_router("", plans_router)
api.add_router("", production_router)
api.add_router("", roasting_router)
api.add_router("", shipping_router)
api.add_router("", carriers_router)
api.add_router("", billing_router)
api.add_router("", tokens_router)
api.add_router("", notifications_router)
api.add_router("/batches", batches_router)
