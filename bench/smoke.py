#!/usr/bin/env python
"""Run every benchmark in its smoke mode (`--smoke`: tiny sizes, nothing recorded), on SQLite and on PostgreSQL
where the benchmark runs there, so that a benchmark that no longer runs fails CI (`.ci/run` runs this).

    .venv/bin/python bench/smoke.py                  # all of them; exit code 1 if any failed
    .venv/bin/python bench/smoke.py orders_list      # the ones named

The databases get the suffix ORDERLY_BENCH_SUFFIX (default: `run<pid>`, so two runs on one server never share
one) and are dropped at the end, as are the SQLite files. Without a reachable PostgreSQL server
(BENCH_POSTGRES_ADMIN_URL) the PostgreSQL runs are skipped with a line saying so. The SQLite runs and the
PostgreSQL runs go in two lanes side by side. Each lane first migrates one database of its own, which every
benchmark in it copies instead of migrating again (benchkit.migrate).
"""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
os.environ.setdefault("ORDERLY_BENCH_SUFFIX", f"run{os.getpid()}")

from benchkit import PG_ADMIN_URL, SUFFIX_VARIABLE, TEMPLATE_VARIABLES, bench_suffix  # noqa: E402

# benchmark → the database options to run it with (None: it uses no database, or picks its own)
RUNS = {
    "bulk_orders": [["--db", "sqlite"], ["--db", "postgres"]],
    "orders_list": [["--db", "sqlite"], ["--db", "postgres"]],
    "channel_sync": [["--db", "sqlite"], ["--db", "postgres"]],
    "plan_allocation": [["--db", "sqlite"], ["--db", "postgresql"]],
    "production_conversion": [["--db", "sqlite"], ["--db", "postgresql"]],
    "batches": [None],  # PostgreSQL only
    "labels": [None],
}
NEEDS_POSTGRES = {"batches"}


def postgres_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3):
            return True
    except psycopg.Error as error:
        print(f"PostgreSQL not reachable at {PG_ADMIN_URL.split('@')[-1]} ({error}); its smoke runs are skipped")
        return False


def clean_up(suffix: str, postgres: bool) -> None:
    """Drop what this run made: the databases and SQLite files whose names hold its suffix."""
    for path in (ROOT / "var" / "bench").glob(f"*{suffix}*.sqlite3*"):  # the template's, orders-<suffix>-<size>
        path.unlink()
    if not postgres:
        return
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        names = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'orderly_bench%%' AND strpos(datname, %s) > 0",
            [suffix],
        ).fetchall()
        for (name,) in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def planned_runs(names: list[str], postgres: bool) -> tuple[dict[str, list], list[str]]:
    """The runs to make in two lanes, SQLite and PostgreSQL (no name is shared between them, so the lanes run side
    by side; within a lane one after the other, as some benchmarks reuse another's database), and the skipped."""
    lanes: dict[str, list] = {"sqlite": [], "postgres": []}
    skipped = []
    for name in names or RUNS:
        for options in RUNS[name]:
            uses_postgres = name in NEEDS_POSTGRES or bool(options and options[-1].startswith("postgres"))
            label = f"{name} {' '.join(options or [])}".strip()
            if uses_postgres and not postgres:
                skipped.append(label)
                continue
            command = [sys.executable, str(BENCH / f"{name}.py"), "--smoke", *(options or [])]
            lanes["postgres" if uses_postgres else "sqlite"].append((label, command))
    return lanes, skipped


def make_template(lane: str, suffix: str) -> tuple[str, str]:
    """A migrated database for the lane's benchmarks to copy: (its variable for benchkit.migrate, its name)."""
    if lane == "sqlite":
        path = ROOT / "var" / "bench" / f"template{suffix}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        url, name = f"sqlite:///{path}", str(path)
    else:
        import psycopg

        name = f"orderly_bench_template{suffix}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"migrating the {lane} template failed:\n{done.stderr[-3000:]}")
    return TEMPLATE_VARIABLES["sqlite" if lane == "sqlite" else "postgresql"], name


def run_lane(lane: str, runs: list, failed: list, lock: threading.Lock, suffix: str) -> None:
    start = time.perf_counter()
    try:
        variable, template = make_template(lane, suffix)
    except Exception as error:  # every benchmark of the lane would fail the same way
        with lock:
            failed.extend(label for label, _ in runs)
            print(f"  {lane} template: FAILED: {error}", flush=True)
        return
    with lock:
        print(f"  {lane} template migrated ({time.perf_counter() - start:.0f} s)", flush=True)
    for label, command in runs:
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, variable: template})
        took = time.perf_counter() - start
        with lock:
            if done.returncode:
                failed.append(label)
                print(f"  {label}: FAILED (exit code {done.returncode}, {took:.0f} s)\n{done.stdout[-3000:]}")
                print(done.stderr[-5000:], flush=True)
            else:
                print(f"  {label}: ok ({took:.0f} s)", flush=True)


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(RUNS))
    if unknown:
        print(f"smoke: no benchmark named {', '.join(unknown)}; there are {', '.join(RUNS)}", file=sys.stderr)
        return 2
    postgres = postgres_reachable()
    suffix = bench_suffix() + "_smoke"
    print(f"Benchmarks in smoke mode; databases named …{suffix} ({SUFFIX_VARIABLE})", flush=True)
    failed: list[str] = []
    started, lock = time.perf_counter(), threading.Lock()
    lanes, skipped = planned_runs(names, postgres)
    for label in skipped:
        print(f"  {label}: skipped (no PostgreSQL)")
    try:
        threads = [
            threading.Thread(target=run_lane, args=(lane, runs, failed, lock, suffix))
            for lane, runs in lanes.items()
            if runs
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        clean_up(suffix, postgres)
    print(f"{len(failed)} failed" if failed else "All ran.", f"({time.perf_counter() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
