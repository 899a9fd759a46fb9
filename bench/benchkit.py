"""What every benchmark shares: the PostgreSQL server it works on, database names that two runs on one server do
not share, and the smoke mode that CI runs (`.ci/run`), so that a benchmark that breaks fails CI.

`ORDERLY_BENCH_SUFFIX=alice` turns `orderly_bench` into `orderly_bench_alice` (and `var/bench/orders.sqlite3` into
`orders_alice.sqlite3`). A smoke run (`--smoke`) adds `_smoke` as well, so it never drops or reuses a database
loaded for a real run.
"""

import os
import re
import sys

PG_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SUFFIX_VARIABLE = "ORDERLY_BENCH_SUFFIX"
SMOKE_VARIABLE = "ORDERLY_BENCH_SMOKE"  # set for a smoke run's child processes, which name the same databases
SMOKE_HELP = "tiny sizes, a few seconds, nothing recorded: proves the benchmark still runs (CI runs it)"


def smoke_run() -> bool:
    """Whether this process is a smoke run: `--smoke` on its command line, or started by one."""
    if "--smoke" in sys.argv[1:]:
        os.environ[SMOKE_VARIABLE] = "1"
    return os.environ.get("ORDERLY_BENCH_SMOKE") == "1"


def bench_suffix() -> str:
    suffix = os.environ.get("ORDERLY_BENCH_SUFFIX", "")
    if not re.fullmatch(r"[a-z0-9_]{0,30}", suffix):
        raise SystemExit(f"{SUFFIX_VARIABLE} may hold at most 30 of a-z, 0-9 and _, not {suffix!r}.")
    parts = [suffix.strip("_")] if suffix.strip("_") else []
    return "".join(f"_{part}" for part in [*parts, *(["smoke"] if smoke_run() else [])])


def bench_database(base: str) -> str:
    """`base` with this run's suffix: the name of a PostgreSQL database or of a SQLite file (without .sqlite3)."""
    return base + bench_suffix()


def smoke_argument(parser) -> None:
    parser.add_argument("--smoke", action="store_true", help=SMOKE_HELP)


def collect_static() -> None:
    """`collectstatic` for the pages a benchmark requests (they name their files by the manifest), under a file lock:
    benchmarks running side by side (bench/smoke.py's two lanes) share one static folder, and two copies writing
    the same hashed files at once trip over each other."""
    import fcntl
    from pathlib import Path

    from django.conf import settings
    from django.core.management import call_command

    root = Path(settings.STATIC_ROOT)
    root.parent.mkdir(parents=True, exist_ok=True)
    with open(root.parent / f".{root.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        call_command("collectstatic", interactive=False, verbosity=0)


TEMPLATE_VARIABLES = {"sqlite": "ORDERLY_BENCH_TEMPLATE_SQLITE", "postgresql": "ORDERLY_BENCH_TEMPLATE_POSTGRES"}


def migrate() -> None:
    """Bring the (fresh) database Django is set up with to the latest migrations.

    A smoke run (bench/smoke.py) migrates one SQLite file and one PostgreSQL database first and names them in
    ORDERLY_BENCH_TEMPLATE_SQLITE / _POSTGRES; a benchmark then starts from a copy of that (a file copy, or
    CREATE DATABASE … TEMPLATE) instead of running every migration again, when its database has no tables yet
    (one kept loaded between runs is migrated as it is). Without them it migrates."""
    import shutil
    from pathlib import Path

    from django.core.management import call_command
    from django.db import connection

    vendor = connection.vendor
    template = os.environ.get(TEMPLATE_VARIABLES.get(vendor, ""), "")
    if not template or connection.introspection.table_names():
        call_command("migrate", interactive=False, verbosity=0)
        return
    name = connection.settings_dict["NAME"]
    connection.close()
    if vendor == "sqlite":
        for suffix in ("-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template, name)
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    call_command("migrate", interactive=False, verbosity=0)  # nothing to do, unless the template is older
