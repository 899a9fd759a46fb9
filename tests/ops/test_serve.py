"""`orderly serve` as a person runs it: a real granian server and worker on a free port of 127.0.0.1."""

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

START_TIMEOUT = 120
STOP_TIMEOUT = 30


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


class Server:
    """`orderly serve` in its own session, its output collected line by line."""

    def __init__(self, tmp_path: Path, *args: str):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG")}
        env.update(ORDERLY_DATA_DIR=str(tmp_path), PYTHONUNBUFFERED="1")
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
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            self.lines.append(line)
            if text in line:
                return
        pytest.fail(f"`orderly serve` never printed {text!r}; it printed:\n" + "\n".join(self.lines))

    def output(self) -> str:
        while True:
            try:
                line = self._queue.get(timeout=2)
            except queue.Empty:
                break
            if line is None:
                break
            self.lines.append(line)
        return "\n".join(self.lines)

    def get(self, path: str, timeout: float = 30) -> tuple[int, bytes]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                # a cold start builds the OpenAPI schema; on a busy machine that alone can take seconds
                with urllib.request.urlopen(self.url + path, timeout=20) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                return error.code, error.read()
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def kill(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def start_server(tmp_path):
    servers = []

    def start(*args):
        servers.append(Server(tmp_path, *args))
        return servers[-1]

    yield start
    for server in servers:
        server.kill()


def test_serve_runs_web_api_and_worker_and_stops_cleanly_on_sigterm(start_server):
    server = start_server("--demo")
    server.wait_for_line("Orderly is running at", START_TIMEOUT)
    server.wait_for_line("Press Ctrl-C to stop.", 10)

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

    children = _descendants(server.process.pid)
    assert len(children) >= 2  # granian and the worker
    commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children if _alive(pid)]
    assert any(b"db_worker" in command for command in commands)
    assert any(b"channel_scheduler" in command for command in commands)  # the worker keeps the sync schedule
    server.process.send_signal(signal.SIGTERM)

    assert server.process.wait(timeout=STOP_TIMEOUT) == 0
    assert "Orderly stopped." in server.output()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]


def test_serve_stops_the_web_server_and_fails_when_the_worker_dies(start_server):
    server = start_server()
    server.wait_for_line("Press Ctrl-C to stop.", START_TIMEOUT)
    assert server.get("/api/v1/openapi.json")[0] == 200
    children = _descendants(server.process.pid)
    worker = next(pid for pid in children if b"orderly.cli\x00worker" in Path(f"/proc/{pid}/cmdline").read_bytes())

    os.kill(worker, signal.SIGKILL)

    assert server.process.wait(timeout=STOP_TIMEOUT) == 1
    assert "the worker exited unexpectedly (exit code -9); stopped the web server." in server.output()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]
