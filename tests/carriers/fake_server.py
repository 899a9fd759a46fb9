"""What the fake carrier servers share: a ThreadingHTTPServer on 127.0.0.1 (a free port) that records every request,
checks HTTP Basic credentials, takes injected faults for the next calls, and stops by itself after `lifetime`.

Faults (`server.fail_next(kind, ...)`), each answering the next `times` requests in the carrier's own words:
- "unauthorized": 401 with the carrier's error body;
- "rate_limited": 429 with `Retry-After: retry_after` (seconds or an HTTP date);
- "server_error": 500;
- "refused": the carrier's documented refusal of the recipient's address;
- "hang": act on the request, then wait `seconds` before answering (longer than the client's timeout);
- "malformed": 200 with a body that is not JSON.
`server.answer_next(status, body)` answers the next request with anything at all.
"""

import base64
import json
import pathlib
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PAYLOADS = pathlib.Path(__file__).parent / "payloads"
FAULTS = ("unauthorized", "rate_limited", "server_error", "refused", "hang", "malformed")


def payload(carrier: str, name: str) -> dict:
    """A corpus document: the carrier's documented example, with invented people."""
    return json.loads((PAYLOADS / carrier / name).read_text())


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """The (user, password) of the request's HTTP Basic auth, or None."""
        value = next((v for k, v in self.headers.items() if k.lower() == "authorization"), "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


@dataclass
class Answer:
    status: int
    body: object  # dict/list → JSON; bytes as they are
    headers: dict | None = None
    content_type: str = "application/json"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle and delayed ACKs cost 40 ms per answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _answer(self, answer: Answer) -> None:
        raw = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (answer.headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)
        except OSError:
            pass  # the client gave up (a timeout test)

    def _handle(self, method: str) -> None:
        server: FakeCarrier = self.server.carrier
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        request = Recorded(method, parts.path, query, dict(self.headers.items()), body)
        with server.lock:
            server.requests.append(request)
            fault = server.faults.pop(0) if server.faults else None
            fault = None if fault is not None and fault[0] == "pass" else fault
        if fault is not None and fault[0] == "answer":
            return self._answer(fault[1]["answer"])
        if fault is not None and fault[0] != "hang":
            return self._answer(server.fault_answer(*fault))
        if server.needs_auth(request) and request.basic_auth != server.credentials:
            return self._answer(server.fault_answer("unauthorized", {}))
        with server.lock:
            answer = server.route(request)
        if fault is not None:  # acted on, then the answer comes too late: the outcome is unknown to the client
            time.sleep(fault[1]["seconds"])
        self._answer(answer)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass


class FakeCarrier:
    """Base of the fake carriers; a subclass gives `credentials`, `route` and `fault_answer`."""

    credentials: tuple[str, str] = ("", "")

    def __init__(self, *, lifetime: float = 120.0):
        self.lifetime = lifetime
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.faults: list[tuple[str, dict]] = []
        self._server: _Server | None = None
        self._timer: threading.Timer | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> "FakeCarrier":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.carrier = self
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        return self

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._server is not None:
            server, self._server = self._server, None
            server.shutdown()
            server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- knobs and records -----------------------------------------------------------------------------------
    def fail_next(
        self, kind: str, *, times: int = 1, after: int = 0, retry_after: str = "7", seconds: float = 1.0
    ) -> None:
        """Answer `times` requests with a fault (see the module's docstring), once `after` more have passed
        normally (after=1: the call after the next one, such as the buy that follows a create)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {', '.join(FAULTS)}")
        with self.lock:
            self.faults.extend([("pass", {})] * after)
            self.faults.extend([(kind, {"retry_after": retry_after, "seconds": seconds})] * times)

    def answer_next(self, status: int, body: object, *, headers: dict | None = None, after: int = 0) -> None:
        """Answer one request (once `after` have passed normally) with this status and body, whatever it asked."""
        with self.lock:
            self.faults.extend([("pass", {})] * after)
            self.faults.append(("answer", {"answer": Answer(status, body, headers)}))

    def last(self, path_contains: str = "") -> Recorded:
        """The latest request whose path contains `path_contains`."""
        with self.lock:
            for request in reversed(self.requests):
                if path_contains in request.path:
                    return request
        raise AssertionError(f"no request to a path containing {path_contains!r}; got {self.paths()}")

    def paths(self) -> list[str]:
        with self.lock:
            return [f"{r.method} {r.path}" for r in self.requests]

    # -- for subclasses --------------------------------------------------------------------------------------
    def needs_auth(self, request: Recorded) -> bool:
        return True

    def route(self, request: Recorded) -> Answer:
        raise NotImplementedError

    def fault_answer(self, kind: str, options: dict) -> Answer:
        raise NotImplementedError
