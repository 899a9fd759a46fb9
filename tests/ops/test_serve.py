"""`orderly serve` as a person runs it: a real granian server and worker on a free port of 127.0.0.1."""

import contextlib
import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.bounds import WAIT_BOUND
from tests.ops.conftest import copy_migrated

# Every wait below polls for the thing itself (a line printed, the port answering, a process gone) and gives up
# only after this long: a generous bound, so that a machine busy with other work (parallel test workers, other
# builds) makes these tests slower, never red. A healthy run takes seconds; two cores at a load average of 15 took
# over 120 s to start the web server and the worker (two web processes each loading the code and the schema).
PATIENCE = float(WAIT_BOUND)
POLL = 0.2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _cmdline(pid: int) -> bytes:
    """The command line of a process, or b"" once it is gone (it may end while we look)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _wait_until(condition, what: str, timeout: float = PATIENCE):
    """Poll `condition` until it returns something true, and return that; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        if result := condition():
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f} s for {what}")
        time.sleep(POLL)


class Server:
    """`orderly serve` in its own session, its output collected line by line."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str] | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        given = env or {}
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG")}
        env.update(ORDERLY_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1", **given)
        command = [sys.executable, "-m", "orderly.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--workers", "1", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        self._seen: dict[int, bytes] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, text: str, timeout: float = PATIENCE) -> None:
        """Wait until the server prints a line containing `text` (it may have printed it already)."""
        if any(text in line for line in self.lines):
            return
        deadline = time.monotonic() + timeout
        while not self._ended and time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=POLL)
            except queue.Empty:
                continue
            if line is None:
                self._ended = True
                break
            self.lines.append(line)
            if text in line:
                return
        why = "ended its output" if self._ended else f"did not within {timeout:.0f} s"
        pytest.fail(f"`orderly serve` never printed {text!r} ({why}); it printed:\n" + "\n".join(self.lines))

    def output(self) -> str:
        """Everything printed so far, without waiting for more."""
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is None:
                self._ended = True
                break
            self.lines.append(line)
        return "\n".join(self.lines)

    def wait_for_exit(self, timeout: float = PATIENCE) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`orderly serve` was still running after {timeout:.0f} s; it printed:\n{self.output()}")

    def descendants(self) -> set[int]:
        """Its processes now; remembered, so that `kill` can end them all whatever happens to the test."""
        found = _descendants(self.process.pid)
        for pid in found:
            self._seen.setdefault(pid, _cmdline(pid))
        return found

    def get(self, path: str, timeout: float = PATIENCE, **headers: str) -> tuple[int, bytes]:
        """GET `path` once the port answers; a refused connection (not listening yet) is tried again."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                # a cold start builds the OpenAPI schema; on a busy machine that alone can take a while
                request = urllib.request.Request(self.url + path, headers=headers)
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None:
                    pytest.fail(f"`orderly serve` exited with {self.process.returncode}:\n{self.output()}")
                if time.monotonic() > deadline:
                    raise
                time.sleep(POLL)

    def kill(self):
        self.descendants()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        # the web server and the worker run in process groups of their own; end those still running what we saw
        # them run (a number reused by an unrelated process is left alone)
        for pid, command in self._seen.items():
            if command and _alive(pid) and _cmdline(pid) == command:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def start_server(tmp_path, migrated_database):
    """Starts `orderly serve` on the data folder tmp_path, whose database is migrated already (serve migrates it
    again, finding nothing to do)."""
    copy_migrated(migrated_database, tmp_path)
    servers = []

    def start(*args, env: dict[str, str] | None = None):
        servers.append(Server(tmp_path, *args, env=env))
        return servers[-1]

    yield start
    for server in servers:
        server.kill()


def _worker_started(server: Server) -> bool:
    """Whether the worker has started its task worker and its scheduler (which keeps the channels' sync schedule);
    it does so once Django is set up, which on a busy machine takes a while after the web server answers."""
    commands = [_cmdline(pid) for pid in server.descendants()]
    task_worker = any(b"task_worker" in command for command in commands)
    scheduler = any(b"channel_scheduler" in command for command in commands)
    return task_worker and scheduler


def test_serve_runs_web_api_and_worker_and_stops_cleanly_on_sigterm(start_server):
    server = start_server("--demo")
    server.wait_for_line("Orderly is running at")
    # announced only once the web server answers: no retry needed, and the schema is already built
    with urllib.request.urlopen(f"{server.url}/api/v1/", timeout=PATIENCE) as index:
        assert json.loads(index.read())["docs"] == f"{server.url}/api/v1/docs"
    assert server.lines.index("Starting the web server and the worker …") < len(server.lines) - 1
    server.wait_for_line("Press Ctrl-C to stop.")

    login_status, _ = server.get("/login/")
    schema_status, schema = server.get("/api/v1/openapi.json")
    static_status, _ = server.get("/static/admin/css/base.css")

    assert login_status == 200
    assert schema_status == 200
    assert "/api/v1/orders" in json.loads(schema)["paths"]
    assert static_status == 200  # whitenoise serves the collected static files behind granian
    printed = "\n".join(server.lines)
    assert f"Orderly is running at {server.url}/" in printed
    assert "Log in as admin with password " in printed
    assert "Demo data loaded:" in printed

    _wait_until(lambda: _worker_started(server), "the worker's task worker and scheduler")
    children = server.descendants()
    assert len(children) >= 4  # granian, the worker, its task worker and its scheduler
    server.process.send_signal(signal.SIGTERM)

    assert server.wait_for_exit() == 0
    server.wait_for_line("Orderly stopped.")
    assert [line for line in server.output().splitlines() if "stopped" in line] == ["Orderly stopped."]
    _wait_until(lambda: not any(_alive(pid) for pid in children), "every child of `orderly serve` to end")


def test_serve_stops_the_web_server_and_fails_when_the_worker_dies(start_server):
    server = start_server()
    server.wait_for_line("Press Ctrl-C to stop.")
    assert server.get("/api/v1/openapi.json")[0] == 200

    def the_worker():
        return next(
            (pid for pid in server.descendants() if b"orderly.cli\x00worker" in _cmdline(pid)),
            None,
        )

    worker = _wait_until(the_worker, "the worker process")
    _wait_until(lambda: _worker_started(server), "the worker's task worker and scheduler")
    children = server.descendants()

    os.kill(worker, signal.SIGKILL)

    assert server.wait_for_exit() == 1
    server.wait_for_line("the worker exited unexpectedly (exit code -9); stopped the web server.")
    _wait_until(lambda: not any(_alive(pid) for pid in children), "every child of `orderly serve` to end")


def test_serve_reports_its_health_sums_the_metrics_of_its_web_processes_and_logs_json(start_server, tmp_path):
    server = start_server("--workers", "2", env={"LOG_FORMAT": "json"})
    server.wait_for_line("Press Ctrl-C to stop.")
    asked = 0

    def healthy():
        nonlocal asked
        asked += 1
        status, body = server.get("/health")
        report = json.loads(body)
        return report if status == 200 and report["status"] == "ok" else None

    # the scheduler beats once Django is set up in the worker, which on a busy machine takes a while
    report = _wait_until(healthy, "/health to report ok")
    for _ in range(20):
        assert server.get("/health")[0] == 200
    asked += 20
    assert server.get("/api/v1/", **{"X-Request-ID": "probe-e2e-1"})[0] == 200
    status, exposition = server.get("/metrics")

    assert (report["database"], report["migrations"]) == (
        {"reachable": True, "vendor": "sqlite"},
        {"applied": True, "pending": 0},
    )
    assert report["worker"]["ok"] is True
    assert status == 200
    counted = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition.decode())
        for sample in family.samples
    }
    # every /health answered, whichever of the two web processes answered it
    assert counted[("orderly_http_request_duration_seconds_count", (("method", "GET"), ("route", "/health")))] == asked
    written = {path.name.split("_")[0] for path in (tmp_path / "metrics" / str(server.port)).glob("*.db")}
    assert written == {"counter", "histogram"}  # under the data folder, one file per kind and web process

    def logged():
        for line in server.output().splitlines():
            if line.startswith("{") and '"probe-e2e-1"' in line:
                return json.loads(line)
        return None

    line = _wait_until(logged, "the access log line of the probe")
    assert (line["logger"], line["request_id"], line["route"], line["status"]) == (
        "orderly.access",
        "probe-e2e-1",
        "/api/v1/",
        200,
    )


def _raw_get(server: Server, path: str, **headers: str) -> http.client.HTTPResponse:
    """One GET as a proxy in front would send it, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=PATIENCE)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_serve_behind_a_tls_proxy_redirects_plain_http_and_sends_secure_cookies(start_server):
    server = start_server("--no-worker", env={"ORDERLY_HTTPS": "1"})
    # The readiness probe takes the redirect to https:// as an answer.
    server.wait_for_line("Press Ctrl-C to stop.")

    plain = _raw_get(server, "/login/")
    assert (plain.status, plain.headers["Location"]) == (301, f"https://127.0.0.1:{server.port}/login/")

    proxied = _raw_get(server, "/login/", **{"X-Forwarded-Proto": "https"})
    assert proxied.status == 200
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csrf_cookie = next(c for c in proxied.headers.get_all("Set-Cookie") if c.startswith("csrftoken="))
    assert "; Secure" in csrf_cookie
    assert "script-src 'self'" in proxied.headers["Content-Security-Policy"]
