"""Backing up and restoring Orderly's SQLite database while it runs (PostgreSQL: pg_dump, see the README).

SQLite's online backup API copies the database page by page into a new file; it gives a consistent copy while
the web server and the worker keep writing (a write in between makes it copy again the pages that changed).
"""

import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from django.db import connection

from orderly.core.exceptions import ValidationError

PAGES_PER_STEP = 256
PG_DUMP = (
    'pg_dump --format=custom --file=orderly.dump "$DATABASE_URL"   # back up\n'
    'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" orderly.dump   # restore'
)


def _require_sqlite(action: str) -> Path:
    if connection.vendor != "sqlite":
        raise ValidationError(
            f"`orderly {action}` copies a SQLite database; for PostgreSQL use its own tools:\n{PG_DUMP}"
        )
    name = connection.settings_dict["NAME"]
    if not name or str(name).startswith(":memory:") or "mode=memory" in str(name):
        raise ValidationError(f"The database is in memory; there is no file to {action}.")
    return Path(name)


def database_backup(target: Path, *, progress: Callable[[int, int], None] | None = None) -> Path:
    """Copy the live SQLite database into `target` (a new file; an existing one is refused), consistently, while
    Orderly keeps running. `progress(done_pages, total_pages)` is called as pages are copied."""
    source = _require_sqlite("backup")
    target = Path(target).expanduser().resolve()
    if target.exists():
        raise ValidationError(f"{target} exists already; name a new file.", field="path")
    if not target.parent.is_dir():
        raise ValidationError(f"{target.parent} is not a folder.", field="path")
    if target == source.resolve():
        raise ValidationError("The backup cannot be the database itself.", field="path")
    with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(target)) as copy:
        live.backup(copy, pages=PAGES_PER_STEP, progress=_pages(progress))
    return target


def database_restore(source: Path, *, progress: Callable[[int, int], None] | None = None) -> Path:
    """Replace the SQLite database's content with the backup at `source`, after checking that it is an intact
    Orderly database. Stop the web server and the worker first: what they write meanwhile is lost."""
    target = _require_sqlite("restore")
    source = Path(source).expanduser().resolve()
    if not source.is_file():
        raise ValidationError(f"{source} is not a file.", field="path")
    _require_orderly_database(source)
    connection.close()  # this process's own connection: the restore writes underneath it
    with closing(sqlite3.connect(source)) as backup, closing(sqlite3.connect(target)) as live:
        backup.backup(live, pages=PAGES_PER_STEP, progress=_pages(progress))
    return target


def _require_orderly_database(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            (check,) = db.execute("PRAGMA quick_check").fetchone()
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise ValidationError(f"{path} is not a SQLite database ({error}).", field="path") from None
    if check != "ok":
        raise ValidationError(f"{path} is damaged ({check}); it was not restored.", field="path")
    if not {"django_migrations", "orders_order"} <= tables:
        raise ValidationError(f"{path} is not an Orderly database (it has no orders table).", field="path")


def _pages(progress: Callable[[int, int], None] | None):
    if progress is None:
        return None
    return lambda status, remaining, total: progress(total - remaining, total)
