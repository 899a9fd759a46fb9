"""Running Orderly's processes as children of one command (`orderly serve`: the web server, the worker), and
stopping them together: a signal to the parent stops each child once, a child that ends stops the others.

Pure standard library: the `orderly` command uses it before Django is set up.
"""

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

STOP_TIMEOUT = 15.0  # seconds a child gets to finish its requests or task before it is killed
POLL_INTERVAL = 0.2


def die_with_parent() -> None:
    """Ask Linux to send the child SIGTERM if the supervisor itself dies, so nothing is left behind."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def supervise(
    commands: dict[str, list[str]],
    *,
    ready: Callable[[], bool] | None = None,
    on_ready: Callable[[], None] | None = None,
    stopped: str = "Orderly stopped.",
) -> int:
    """Run the commands as children until a signal asks us to stop (exit 0) or one of them ends (exit 1).

    `on_ready` runs once, as soon as `ready()` (asked while waiting) is true. Children get their own process
    group, so a Ctrl-C reaches only this process, which then stops each child once, with SIGTERM, and kills any
    that have not finished after STOP_TIMEOUT seconds. `stopped` is printed at a stop asked for ("" for none).
    """
    received: list[int] = []

    def on_signal(signum, _frame):
        received.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen] = {}
    failed: tuple[str, int] | None = None
    try:
        for name, command in commands.items():
            children[name] = subprocess.Popen(command, process_group=0, preexec_fn=die_with_parent)
        while not received and failed is None:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = (name, child.returncode)
                    break
            else:
                if on_ready is not None and (ready is None or ready()):
                    on_ready()
                    on_ready = None
                else:
                    time.sleep(POLL_INTERVAL)
    finally:
        stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failed:
        name, code = failed
        others = [other for other in children if other != name]
        stopped = f"; stopped the {' and '.join(others)}" if others else ""
        print(f"orderly: error: the {name} exited unexpectedly (exit code {code}){stopped}.", file=sys.stderr)
        return 1
    if stopped:
        print(stopped, flush=True)
    return 0


def stop_children(children: dict[str, subprocess.Popen]) -> None:
    for child in children.values():
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"orderly: the {name} did not stop within {STOP_TIMEOUT:.0f} s; killing it.", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
