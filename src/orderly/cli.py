"""The `orderly` command: run Orderly, its background worker, demo data, users and API tokens.

Any word that is not one of Orderly's own commands goes to Django's management commands (`orderly migrate`,
`orderly shell`, …); `orderly help` lists Orderly's own commands, then Django's. Errors end the command with a
one-line message and a non-zero exit code; add `--traceback` to see the full story.
"""

import argparse
import os
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

from orderly.core.supervisor import STOP_TIMEOUT, supervise

OWN_COMMANDS = ("serve", "worker", "demo", "user", "token")
UNDER_SERVE = "ORDERLY_UNDER_SERVE"  # set for the children of `orderly serve`
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # where the web processes write their counts, summed at each scrape

# Granian runs each web worker's WSGI calls on a thread pool; its default (hundreds of threads, each with its
# own database connection) would exhaust PostgreSQL's connection limit. More threads than 2 per core only wait
# on the interpreter lock.
BLOCKING_THREADS = min(8, 2 * (os.cpu_count() or 1) + 1)


class CliError(Exception):
    """A refusal to report in one line."""


def _default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orderly",
        description="Orderly: order management and fulfillment.",
        epilog="Any other COMMAND is passed to Django's management commands: orderly migrate, orderly shell, "
        "orderly createsuperuser, orderly help (lists them all).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="set up the database and run the web UI, the API and the background worker",
        description="Migrate, collect static files, create an admin user on the first run (its password is printed "
        "once), optionally load demo data, then run the web UI and API on granian and a background worker "
        "together until Ctrl-C or SIGTERM.",
    )
    serve.add_argument("--demo", action="store_true", help="load demo data (once; a second run adds nothing)")
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="run the web UI and API only (more web processes beside `orderly worker` ones, on one PostgreSQL)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        default=_default_workers(),
        help="web server processes (default: the number of CPU cores, at most 4)",
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=BLOCKING_THREADS,
        help=f"threads per web server process, each with its own database connection (default: {BLOCKING_THREADS})",
    )

    commands.add_parser("worker", help="run the background worker alone", add_help=False)
    commands.add_parser("demo", help="load demo data for a coffee roaster (idempotent)", add_help=False)

    user = commands.add_parser("user", help="manage people who log in")
    user_actions = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    user_create = user_actions.add_parser("create", help="create a user; prints a generated password once")
    user_create.add_argument("username")
    user_create.add_argument("--role", required=True, help="viewer, operator, manager or admin")
    user_create.add_argument(
        "--password",
        help="at least 8 characters, not a common password, not all digits, not like the username or e-mail "
        "(default: a generated one, printed once)",
    )
    user_create.add_argument("--email", default="")

    token = commands.add_parser("token", help="manage API tokens")
    token_actions = token.add_subparsers(dest="action", metavar="ACTION", required=True)
    token_create = token_actions.add_parser(
        "create", help="create an API token for a user; prints it once (on stdout, alone, for scripts)"
    )
    token_create.add_argument("username")
    token_create.add_argument("--name", default="", help="what the token is for")
    token_create.add_argument(
        "--expires-in-days", type=int, metavar="N", help="refused after N days (default: valid until revoked)"
    )
    token_list = token_actions.add_parser(
        "list", help="list API tokens (everyone's, or one user's): prefix, name, dates and status, never the token"
    )
    token_list.add_argument("username", nargs="?")
    token_revoke = token_actions.add_parser("revoke", help="revoke an API token, named by its prefix (ord_…)")
    token_revoke.add_argument("prefix")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orderly.settings")
    show_traceback = "--traceback" in argv
    try:
        if argv[:1] == ["help"]:
            return _help(argv[1:])
        if argv and not argv[0].startswith("-") and argv[0] not in OWN_COMMANDS:
            return _django(argv)
        if argv and argv[0] in ("worker", "demo"):
            # Thin aliases of Django commands, which keep their own options and help.
            extra = argv[1:]
            if argv[0] == "worker":
                return work(extra)
            return _django(["demo", *extra], migrated=True)
        parser = build_parser()
        args = parser.parse_args([arg for arg in argv if arg != "--traceback"])
        if args.command == "serve":
            return serve(args)
        if args.command == "user":
            return _user_create(args)
        if args.command == "token":
            return {"create": _token_create, "list": _token_list, "revoke": _token_revoke}[args.action](args)
        parser.print_help()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if show_traceback:
            raise
        print(f"orderly: error: {_describe(error)}", file=sys.stderr)
        return 1


def _help(topic: list[str]) -> int:
    """`orderly help`: Orderly's own commands first, then Django's; `orderly help COMMAND`: that command's help."""
    if not topic:
        build_parser().print_help()
        print("\nDjango's management commands, also run as `orderly COMMAND`:", flush=True)
        return _django(["help", "--commands"])
    if topic[0] == "worker":
        print(WORKER_HELP)
        return 0
    if topic[0] in ("serve", "user", "token"):
        build_parser().parse_args([*topic, "--help"])  # prints the help and exits 0
    return _django(["help", *topic])


def _describe(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    message = " ".join(str(message).split())
    if isinstance(error, CliError):
        return message
    from orderly.core.exceptions import DomainError

    if isinstance(error, DomainError):
        return message
    return f"{type(error).__name__}: {message}"


def _setup() -> None:
    import django

    django.setup()


def _django(argv: list[str], *, migrated: bool = False) -> int:
    """Run one of Django's management commands as `orderly <argv>`; its exit code is ours."""
    from django.core.management import execute_from_command_line

    if migrated:
        _setup()
        _require_migrated()
    try:
        execute_from_command_line(["orderly", *argv])
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    return 0


def _require_migrated() -> None:
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CliError(
            "the database is not set up (unapplied migrations); run `orderly migrate` or `orderly serve` first."
        )


def _user_create(args) -> int:
    _setup()
    _require_migrated()
    from orderly.core.services import user_create

    user, password = user_create(username=args.username, role=args.role, password=args.password, email=args.email)
    print(f"Created user {user.username} with role {user.role}.")
    if args.password is None:
        print(f"Password: {password}")
        print("The password is shown only now; keep it somewhere safe.")
    return 0


def _token_create(args) -> int:
    _setup()
    _require_migrated()
    from orderly.core.services import token_create

    token, raw = token_create(username=args.username, name=args.name, expires_in_days=args.expires_in_days)
    print(raw)
    expiry = f"; it expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else ""
    print(
        f"API token {token.prefix} for {args.username}{expiry}: send it as `Authorization: Bearer <token>`. "
        "It is shown only now.",
        file=sys.stderr,
    )
    return 0


def _token_list(args) -> int:
    _setup()
    _require_migrated()
    from django.utils import timezone

    from orderly.core.selectors import token_list

    now = timezone.now()
    rows = [
        (
            token.prefix,
            token.user.username,
            token.name or "-",
            _when(token.created_at),
            _when(token.last_used_at, "never"),
            _when(token.expires_at, "never"),
            token.status_at(now) + (f" {_when(token.revoked_at)}" if token.revoked_at else ""),
        )
        for token in token_list(username=args.username)
    ]
    if not rows:
        print("No API tokens." if args.username is None else f"{args.username} has no API tokens.")
        return 0
    header = ("PREFIX", "USER", "NAME", "CREATED (UTC)", "LAST USED", "EXPIRES", "STATUS")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def _when(moment, missing: str = "-") -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else missing


def _token_revoke(args) -> int:
    _setup()
    _require_migrated()
    from orderly.core.services import token_revoke

    token = token_revoke(prefix=args.prefix)
    named = f" ({token.name})" if token.name else ""
    print(f"Revoked API token {token.prefix}{named} of {token.user.username}; it is refused from now on.")
    return 0


def _first_admin() -> tuple[str, str] | None:
    """Create the admin user when no user exists yet; returns its login, which is printed once."""
    from django.contrib.auth import get_user_model

    from orderly.core.services import user_create

    if get_user_model().objects.exists():
        return None
    user, password = user_create(username="admin", role="admin")
    return user.username, password


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise CliError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def serve(args) -> int:
    if not 1 <= args.port <= 65535:
        raise CliError(f"--port must be between 1 and 65535, not {args.port}.")
    if args.workers < 1:
        raise CliError(f"--workers must be at least 1, not {args.workers}.")
    if not 1 <= args.threads <= 64:
        raise CliError(f"--threads must be between 1 and 64, not {args.threads}.")
    _check_port_free(args.host, args.port)
    _setup()
    from django.core.management import call_command
    from django.db import connections

    _prepare_metrics_dir(args.port)

    print("Preparing the database and static files …", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    login = _first_admin()
    if args.demo:
        call_command("demo")
    # The children open their own connections; the parent keeps none open while it only supervises.
    connections.close_all()

    url = _url(args.host, args.port)
    web = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--workers",
        str(args.workers),
        "--blocking-threads",
        str(args.threads),
        "--workers-kill-timeout",
        str(int(STOP_TIMEOUT) - 5),
        "--log-level",
        "warning",
        "orderly.wsgi:application",
    ]
    worker = [sys.executable, "-m", "orderly.cli", "worker"]

    def banner() -> None:
        print(f"\nOrderly is running at {url}", flush=True)
        if login:
            print(f"  Log in as {login[0]} with password {login[1]}")
            print("  (this first-run password is shown only now; `orderly user create` makes more users)")
        else:
            print("  Log in with your user; `orderly user create NAME --role ROLE` makes more.")
        print(f"  API: {url}api/v1/  (docs at {url}api/v1/docs; `orderly token create NAME` for a token)")
        print("Press Ctrl-C to stop.\n", flush=True)

    print("Starting the web server" + ("" if args.no_worker else " and the worker") + " …", flush=True)
    os.environ[UNDER_SERVE] = "1"  # the worker leaves the announcements to this process
    children = {"web server": web} if args.no_worker else {"web server": web, "worker": worker}
    return supervise(children, ready=lambda: _answers(f"{url}api/v1/"), on_ready=banner)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the redirect itself is an answer (ORDERLY_HTTPS sends plain HTTP on to https://)


def _prepare_metrics_dir(port: int) -> Path:
    """The folder where granian's worker processes write their Prometheus counts, so that `/metrics` sums them:
    PROMETHEUS_MULTIPROC_DIR when set, else one per port under the data folder (two `orderly serve` on one machine
    never share one). Emptied of the counts of an earlier run, which would otherwise be added to this one's."""
    from django.conf import settings

    folder = Path(os.environ.get(METRICS_DIR) or settings.DATA_DIR / "metrics" / str(port))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for counts in folder.glob("*.db"):
            counts.unlink()
    except OSError as error:
        raise CliError(f"cannot prepare the metrics folder {folder}: {error.strerror or error}") from None
    os.environ[METRICS_DIR] = str(folder)  # inherited by the web server's processes
    return folder


def _answers(url: str) -> bool:
    """Whether the web server answers `url` with any HTTP status (its workers have loaded the code and schema)."""
    try:
        with urllib.request.build_opener(_NoRedirects).open(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False


def work(extra: list[str]) -> int:
    """The background worker: Django's task worker on every queue, and the scheduler that enqueues what is due
    (channel syncs on each channel's interval, retries of pushes to the shops), stopped and started together."""
    if {"-h", "--help"} & set(extra):
        print(WORKER_HELP)
        return 0
    from django.db import connections

    _setup()
    _require_migrated()
    connections.close_all()  # the children open their own
    me = [sys.executable, "-m", "orderly.cli"]
    alone = not os.environ.get(UNDER_SERVE)
    if alone:
        print(
            "Orderly's worker is running: queued tasks from every queue, and the scheduler of channel syncs and "
            "retries. Press Ctrl-C to stop.",
            flush=True,
        )
    return supervise(
        {
            "task worker": [*me, "task_worker", "--no-reload", "--queue-name", "*", *extra],
            "scheduler": [*me, "channel_scheduler"],
        },
        stopped="Orderly's worker stopped." if alone else "",
    )


WORKER_HELP = """usage: orderly worker [task_worker options]

Run Orderly's background worker alone (`orderly serve` runs one itself; `orderly serve
--no-worker` runs web processes without one). Run as many as you like, on as many
machines, against one PostgreSQL. It runs two processes together until Ctrl-C or SIGTERM:
  the task worker   runs queued tasks from every queue: channel syncs, pushes to the shops,
                    imports (django-tasks-db's db_worker: each task is claimed by one worker
                    only, with SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL). It beats a
                    heartbeat of its own and puts back in the queue the tasks of any worker
                    silent for ORDERLY_WORKER_STALE_SECONDS (killed, its machine gone)
  the scheduler     queues each channel's next sync on its interval and the retries of pushes

Options are passed to the task worker, e.g. --interval SECONDS (how often it looks for
tasks when idle), --batch (end once the queue is empty), --worker-id ID (unique among the
workers; default: a random one). Its own list: orderly task_worker --help"""


if __name__ == "__main__":
    sys.exit(main())
