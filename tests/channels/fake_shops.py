"""Fake Shopify and WooCommerce servers on 127.0.0.1 speaking the documented order APIs, for tests and the bench.

Each serves its orders with the shop's paging and change filters, checks credentials, records every request, and
takes injected faults (`shop.faults.append(...)`): ("status", 429, {"Retry-After": "0.01"}), ("status", 500, {}),
("sleep", seconds) for a timeout, ("body", b"not json"). Servers stop themselves after `lifetime` seconds.
"""

import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SHOPIFY_PREFIX = "/admin/api/2024-10"
WOO_PREFIX = "/wp-json/wc/v3"


def iso(n: int, base: str = "2026-01-01T00:00:00") -> str:
    """A UTC time n seconds after base, as shops write it."""
    import datetime as dt

    return (dt.datetime.fromisoformat(base) + dt.timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%S")


def shopify_order(n: int, *, updated: int | None = None, skus=("ESP-250",), status="paid", **extra) -> dict:
    order = {
        "id": 5_000_000 + n,
        "name": f"#{1000 + n}",
        "email": f"customer{n}@example.com",
        "created_at": iso(n) + "Z",
        "updated_at": iso(updated if updated is not None else n) + "Z",
        "cancelled_at": None,
        "financial_status": status,
        "currency": "EUR",
        "customer": {"first_name": "Ada", "last_name": f"Buyer {n}", "email": f"customer{n}@example.com"},
        "shipping_address": {
            "first_name": "Ada",
            "last_name": f"Buyer {n}",
            "address1": "Keizersgracht 1",
            "city": "Amsterdam",
            "zip": "1015 CJ",
            "country_code": "NL",
        },
        "line_items": [
            {
                "id": 9_000_000 + n * 10 + i,
                "variant_id": 700 + i,
                "sku": sku,
                "title": f"Coffee {sku}",
                "quantity": 1 + i,
                "price": "12.50",
                "total_discount": "0.00",
                "tax_lines": [{"rate": 0.09, "price": "1.13"}],
            }
            for i, sku in enumerate(skus)
        ],
        "note": "",
    }
    order.update(extra)
    if "total_price" not in extra:
        _shopify_totals(order)
    return order


def _shopify_totals(order: dict) -> None:
    """The shop's own totals of a fake order, as Shopify states them: lines less discounts plus their taxes."""
    from decimal import Decimal

    total = tax = Decimal("0")
    for line in order.get("line_items") or []:
        try:
            amount = Decimal(str(line["price"])) * int(line["quantity"]) - Decimal(str(line.get("total_discount") or 0))
            line_tax = sum((Decimal(str(t["price"])) for t in line.get("tax_lines") or []), Decimal("0"))
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return  # a deliberately broken fake: no totals to state
        total, tax = total + amount + line_tax, tax + line_tax
    for line in order.get("shipping_lines") or []:
        line_tax = sum((Decimal(str(t["price"])) for t in line.get("tax_lines") or []), Decimal("0"))
        total, tax = total + Decimal(str(line["price"])) + line_tax, tax + line_tax
    order["total_price"], order["total_tax"] = f"{total:.2f}", f"{tax:.2f}"


def woo_order(n: int, *, updated: int | None = None, skus=("ESP-250",), status="processing", **extra) -> dict:
    order = {
        "id": 700 + n,
        "number": str(700 + n),
        "status": status,
        "currency": "EUR",
        "date_created_gmt": iso(n),
        "date_modified_gmt": iso(updated if updated is not None else n),
        "billing": {
            "first_name": "Bea",
            "last_name": f"Woo {n}",
            "address_1": "Hauptstr. 5",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE",
            "email": f"woo{n}@example.com",
        },
        "shipping": {
            "first_name": "Bea",
            "last_name": f"Woo {n}",
            "address_1": "Hauptstr. 5",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE",
        },
        "line_items": [
            {
                "id": 40_000 + n * 10 + i,
                "product_id": 30 + i,
                "sku": sku,
                "name": f"Coffee {sku}",
                "quantity": 2,
                "price": 10.0,
                "subtotal": "20.00",
                "total": "20.00",
                "total_tax": "4.20",
            }
            for i, sku in enumerate(skus)
        ],
        "customer_note": "",
    }
    order.update(extra)
    if "total" not in extra:
        _woo_totals(order)
    return order


def _woo_totals(order: dict) -> None:
    """The shop's own totals of a fake order, as WooCommerce states them: line totals plus their taxes."""
    from decimal import Decimal

    try:
        lines = order.get("line_items") or []
        tax = sum((Decimal(str(line.get("total_tax") or 0)) for line in lines), Decimal("0"))
        total = sum((Decimal(str(line["total"])) for line in lines), Decimal("0")) + tax
    except (KeyError, TypeError, ValueError, ArithmeticError):
        return
    order["total"], order["total_tax"] = f"{total:.2f}", f"{tax:.2f}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _send(self, status: int, body, headers: dict | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(raw)

    def _handle(self, method: str) -> None:
        shop = self.server.shop
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with shop.lock:
            shop.requests.append((method, parts.path, query, dict(self.headers), body))
            fault = shop.faults.pop(0) if shop.faults else None
        if fault:
            if fault[0] == "status":
                return self._send(fault[1], {"errors": "injected"}, fault[2])
            if fault[0] == "sleep":
                time.sleep(fault[1])
            if fault[0] == "body":
                return self._send(200, fault[1])
        if not shop.authorized(self.headers):
            return self._send(401, {"errors": "[API] Invalid API key or access token"})
        status, payload, headers = shop.route(method, parts.path, query, body)
        self._send(status, payload, headers)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout tests) is expected, not news


class FakeShop:
    def __init__(self, *, lifetime: float = 300):
        self.orders: dict[int, dict] = {}
        self.requests: list = []
        self.faults: list = []
        self.lock = threading.Lock()
        self.lifetime = lifetime
        self.server = None

    def add(self, *orders) -> None:
        with self.lock:
            for order in orders:
                self.orders[order.get("id", -1 - len(self.orders))] = order
                self._sorted = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.shop = self
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
            self._timer.cancel()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class FakeShopify(FakeShop):
    token = "shpat_test_token"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fulfillments: list[dict] = []
        self._sorted = None

    def authorized(self, headers) -> bool:
        return headers.get("X-Shopify-Access-Token") == self.token

    def _by_update(self) -> list[dict]:
        with self.lock:
            if self._sorted is None:
                self._sorted = sorted(self.orders.values(), key=lambda o: (o["updated_at"], o.get("id", 0)))
            return self._sorted

    def route(self, method, path, query, body):
        if not path.startswith(SHOPIFY_PREFIX):
            return 404, {"errors": "Not Found"}, {}
        path = path[len(SHOPIFY_PREFIX) :]
        if method == "GET" and path == "/orders.json":
            return self._list(query)
        if method == "GET" and path.startswith("/orders/") and path.endswith("/fulfillment_orders.json"):
            order_id = int(path.split("/")[2])
            done = any(f["order_id"] == order_id for f in self.fulfillments)
            return 200, {"fulfillment_orders": [{"id": order_id * 10, "status": "closed" if done else "open"}]}, {}
        if method == "GET" and path.startswith("/orders/") and path.endswith(".json"):
            order = self.orders.get(int(path[len("/orders/") : -len(".json")]))
            return (200, {"order": order}, {}) if order else (404, {"errors": "Not Found"}, {})
        if method == "POST" and path == "/fulfillments.json":
            data = json.loads(body)["fulfillment"]
            order_id = data["line_items_by_fulfillment_order"][0]["fulfillment_order_id"] // 10
            self.fulfillments.append({"order_id": order_id, **data})
            return 201, {"fulfillment": {"id": len(self.fulfillments), "status": "success"}}, {}
        return 404, {"errors": "Not Found"}, {}

    def _list(self, query):
        if "page_info" in query:
            state = json.loads(base64.urlsafe_b64decode(query["page_info"]))
            since, offset = state["since"], state["offset"]
        else:
            since, offset = query.get("updated_at_min", ""), 0
        limit = min(int(query.get("limit", 50)), 250)
        since_key = since.replace("+00:00", "Z")[:19] if since else ""
        matching = [o for o in self._by_update() if not since_key or o["updated_at"][:19] >= since_key]
        page = matching[offset : offset + limit]
        headers = {}
        if offset + limit < len(matching):
            token = base64.urlsafe_b64encode(json.dumps({"since": since, "offset": offset + limit}).encode()).decode()
            headers["Link"] = (
                f'<{self.base_url}{SHOPIFY_PREFIX}/orders.json?limit={limit}&page_info={token}>; rel="next"'
            )
        return 200, {"orders": page}, headers


class FakeWoo(FakeShop):
    key, secret = "ck_test", "cs_test"

    def authorized(self, headers) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.key}:{self.secret}".encode()).decode()
        return headers.get("Authorization") == expected

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.notes: list[tuple[int, dict]] = []
        self.updates: list[tuple[int, dict]] = []
        self.refunds: dict[int, list[dict]] = {}  # GET /orders/<id>/refunds, per order id

    def route(self, method, path, query, body):
        if not path.startswith(WOO_PREFIX):
            return 404, {"code": "rest_no_route"}, {}
        path = path[len(WOO_PREFIX) :]
        if method == "GET" and path == "/orders":
            after = query.get("modified_after", "")
            with self.lock:
                matching = sorted(
                    (o for o in self.orders.values() if not after or o["date_modified_gmt"] > after),
                    key=lambda o: (o["date_modified_gmt"], o["id"]),
                )
            per_page, page = min(int(query.get("per_page", 10)), 100), int(query.get("page", 1))
            total_pages = max(1, -(-len(matching) // per_page))
            chunk = matching[(page - 1) * per_page : page * per_page]
            return 200, chunk, {"X-WP-Total": str(len(matching)), "X-WP-TotalPages": str(total_pages)}
        parts = path.strip("/").split("/")
        if len(parts) >= 2 and parts[0] == "orders":
            order = self.orders.get(int(parts[1]))
            if order is None:
                return 404, {"code": "woocommerce_rest_shop_order_invalid_id"}, {}
            if method == "GET" and len(parts) == 2:
                return 200, order, {}
            if method == "GET" and parts[2:] == ["refunds"]:
                return 200, self.refunds.get(order["id"], []), {}
            if method == "PUT" and len(parts) == 2:
                self.updates.append((order["id"], json.loads(body)))
                return 200, order, {}
            if method == "POST" and parts[2:] == ["notes"]:
                self.notes.append((order["id"], json.loads(body)))
                return 201, {"id": len(self.notes)}, {}
        return 404, {"code": "rest_no_route"}, {}
