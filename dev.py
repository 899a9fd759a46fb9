#!/usr/bin/env python3
"""Set up Orderly in ./.venv and run it, or run its tests. Needs only Python 3.11.

    python3 dev.py run  [orderly serve options]   set up, then run Orderly with demo data
    python3 dev.py test [pytest options]          set up, then run the whole test suite (in parallel)
    python3 dev.py setup                          set up only

Setting up creates .venv when it is missing, installs uv into it with pip, and installs Orderly with its test
dependencies with uv. The install is skipped while pyproject.toml is unchanged since the last one (a stamp in
.venv records it). The tests run on whatever DATABASE_URL says (SQLite by default), spread over one pytest-xdist
worker per core (each with its own test database) unless the options choose otherwise: `-n 0` runs them in this
one process, and so does naming single tests (`tests/orders/test_x.py::test_y`) or `--pdb`, `-s`.
"""

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NoReturn

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".orderly-install-stamp"
LOCK = VENV / ".orderly-install-lock"
UV_VERSION = "0.13.9"
PYTHON = (3, 11)
CHROMIUM = "/usr/bin/chromium"
PYTEST_NO_TESTS = 5
# What `dev.py test` adds when its options say nothing about parallel runs: a worker per core (measured on two
# cores: see README). `load` hands each worker the tests in collection order, so pytest-django's order holds on
# every worker: tests rolled back first, then the transactional ones, whose flush empties the tables migrations
# seed (the Manual channel, the default warehouse). `worksteal` breaks it: a worker that steals runs tests from
# before ones it already ran. Small chunks spread the slow tests, which tests/conftest.py queues first.
PARALLEL = ["-n", "auto", "--dist", "load", "--maxschedchunk", "8"]
# Options after which the run stays in one process: the user chose (-n, --numprocesses, --dist, -p no:xdist), or
# wants to step in (--pdb, --trace), see output as it comes (-s), or only lists the tests.
SERIAL_FLAGS = (
    "-n",
    "--numprocesses",
    "--dist",
    "--maxschedchunk",
    "-d",
    "--tx",
    "--pdb",
    "--trace",
    "-s",
    "--capture",
    "--co",
    "--collect-only",
    "--setup-plan",
    "--fixtures",
    "--help",
    "-h",
    "--version",
    "-V",
)


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def fail(message: str, code: int = 1) -> NoReturn:
    print(f"dev.py: error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def run(command: list, **kwargs) -> None:
    result = subprocess.run([str(part) for part in command], **kwargs)
    if result.returncode:
        fail(f"`{' '.join(str(part) for part in command)}` failed with exit code {result.returncode}.")


def base_python() -> str:
    """A Python 3.11 to build the virtualenv with: this one, or python3.11 on the PATH."""
    if sys.version_info[:2] == PYTHON:
        return sys.executable
    if found := shutil.which("python3.11"):
        return found
    fail(f"Orderly needs Python 3.11; this is {sys.version.split()[0]} and there is no python3.11 on the PATH.")


def venv_python_version() -> tuple[int, int] | None:
    try:
        out = subprocess.run(
            [VENV_PYTHON, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    major, minor = out.split()
    return int(major), int(minor)


def wanted_stamp() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    digest.update(f"uv {UV_VERSION}".encode())
    return digest.hexdigest()


@contextlib.contextmanager
def install_lock():
    """One install at a time, when several commands start at once in the same checkout."""
    import fcntl

    with open(LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def setup() -> None:
    if not VENV_PYTHON.exists():
        say(f"creating {VENV.relative_to(ROOT)} …")
        run([base_python(), "-m", "venv", VENV])
    version = venv_python_version()
    if version != PYTHON:
        shown = ".".join(map(str, version)) if version else "an unusable Python"
        fail(f"{VENV} has {shown}, but Orderly needs Python 3.11; move it aside and run this again.")
    with install_lock():
        stamp = wanted_stamp()
        if STAMP.exists() and STAMP.read_text().strip() == stamp:
            return
        uv = VENV / "bin" / "uv"
        if (
            not uv.exists()
            or UV_VERSION not in subprocess.run([uv, "--version"], capture_output=True, text=True).stdout
        ):
            say(f"installing uv {UV_VERSION} …")
            run([VENV_PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"uv=={UV_VERSION}"])
        say("installing Orderly and its test dependencies …")
        run([uv, "pip", "install", "--quiet", "--python", VENV_PYTHON, "-e", ".[test]"], cwd=ROOT)
        STAMP.write_text(stamp + "\n")


def ensure_chromium() -> None:
    """Browser tests drive Debian's Chromium; install it when we may, else they skip with a reason."""
    if Path(CHROMIUM).exists() or os.environ.get("ORDERLY_SKIP_BROWSER_INSTALL"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say(f"{CHROMIUM} is missing and we are not root; the browser tests will be skipped.")
        return
    say("installing Chromium from Debian for the browser tests …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ok = (
        subprocess.run(["apt-get", "update", "-qq"], env=env).returncode == 0
        and subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env).returncode == 0
    )
    if not ok:
        say("Chromium could not be installed; the browser tests will be skipped.")


def python_environment() -> dict[str, str]:
    """Our environment with Python's bytecode cache on, kept in .venv/pycache rather than next to the sources.

    uv installs packages without compiled bytecode, so with PYTHONDONTWRITEBYTECODE set (as in many containers) every
    Python process compiles Django and the rest from source and pytest rewrites every test module again: about ten
    seconds for each test worker and each `orderly` process a test starts. Cached, that is paid once."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(VENV / "pycache"))
    return env


def command_run(args: list[str]) -> None:
    setup()
    orderly = VENV / "bin" / "orderly"
    os.execve(orderly, [str(orderly), "serve", "--demo", *args], python_environment())


def parallel_args(args: list[str]) -> list[str]:
    """xdist options to add to the user's pytest options: one worker per core, unless they asked otherwise.

    Naming single tests (`path::test`) runs them here, without spawning workers that each set up a database."""
    for i, arg in enumerate(args):
        name = arg.split("=", 1)[0]
        if name in SERIAL_FLAGS or (arg.startswith("-n") and arg[2:].strip().isalnum()) or "::" in arg:
            return []
        if (arg == "-p" and args[i + 1 : i + 2] == ["no:xdist"]) or arg == "-pno:xdist":
            return []
    return PARALLEL


def command_test(args: list[str]) -> None:
    setup()
    ensure_chromium()
    database = os.environ.get("DATABASE_URL", "SQLite (default)")
    parallel = parallel_args(args)
    how = f"in parallel, one worker per core (`{' '.join(parallel)}`)" if parallel else "as the options say"
    say(f"running the tests on {database.split('@')[-1] if '@' in database else database}, {how} …")
    command = [VENV_PYTHON, "-m", "pytest", *parallel, *args]
    code = subprocess.run(command, cwd=ROOT, env=python_environment()).returncode
    if code == PYTEST_NO_TESTS:
        fail("pytest collected no tests; that is a failure, not a pass.", PYTEST_NO_TESTS)
    sys.exit(code)


def main() -> None:
    os.chdir(ROOT)
    command, args = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "run":
        command_run(args)
    elif command == "test":
        command_test(args)
    elif command == "setup":
        setup()
        say("set up.")
    else:
        print(__doc__.strip())
        sys.exit(0 if command in ("-h", "--help", "help") else 2)


if __name__ == "__main__":
    main()
