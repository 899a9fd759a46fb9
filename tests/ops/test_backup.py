"""`orderly backup` and `orderly restore`: a consistent copy of the SQLite database, and back."""

import io
import os
import sqlite3
import subprocess
import sys
from contextlib import closing

import pytest
from django.db import connection

from orderly.core.exceptions import ValidationError
from orderly.ops.backup import database_backup
from orderly.ops.progress import Progress


def _orderly(data_dir, *args, input=None):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["ORDERLY_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "orderly.cli", *args], env=env, capture_output=True, text=True, input=input
    )


@pytest.fixture
def data(migrated_data):
    return migrated_data


def _content(database) -> list[str]:
    with closing(sqlite3.connect(database)) as db:
        return list(db.iterdump())


def test_a_backup_restored_gives_back_the_database_as_it_was(tmp_path, data):
    database, target = data / "orderly.sqlite3", tmp_path / "orderly-backup.sqlite3"
    before = _content(database)

    backup = _orderly(data, "backup", str(target))

    assert backup.returncode == 0, backup.stderr
    lines = backup.stdout.splitlines()
    assert lines[-2:-1] == ["Backing up: 100%"]  # not a terminal: plain lines
    assert lines[-1].startswith(f"Backed up to {target} (")
    assert _content(target) == before
    with closing(sqlite3.connect(database)) as db, db:
        db.execute("DELETE FROM django_migrations WHERE app = 'orders'")
    assert _content(database) != before

    refused = _orderly(data, "restore", str(target), input="no\n")
    assert (refused.returncode, refused.stderr.strip()) == (1, "CommandError: Nothing restored.")
    restored = _orderly(data, "restore", "--yes", str(target))

    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.splitlines()[-1] == f"Restored {database} from {target}."
    assert _content(database) == before


def test_backup_and_restore_refuse_what_they_cannot_do_and_write_nothing(tmp_path, data):
    (tmp_path / "taken.sqlite3").write_text("already here")
    (tmp_path / "notes.txt").write_text("not a database")
    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE t (x)")
    before = _content(data / "orderly.sqlite3")

    taken = _orderly(data, "backup", str(tmp_path / "taken.sqlite3"))
    not_db = _orderly(data, "restore", "--yes", str(tmp_path / "notes.txt"))
    not_ours = _orderly(data, "restore", "--yes", str(other))

    assert (taken.returncode, taken.stderr.strip()) == (
        1,
        f"CommandError: {tmp_path / 'taken.sqlite3'} exists already; name a new file.",
    )
    assert not_db.returncode == 1 and "is not a SQLite database" in not_db.stderr
    assert not_ours.stderr.strip() == f"CommandError: {other} is not an Orderly database (it has no orders table)."
    assert (tmp_path / "taken.sqlite3").read_text() == "already here"
    assert _content(data / "orderly.sqlite3") == before


@pytest.mark.django_db
def test_on_postgresql_the_command_gives_the_pg_dump_recipe(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL answer; SQLite is backed up above")
    with pytest.raises(ValidationError, match="pg_dump --format=custom"):
        database_backup(tmp_path / "x.sqlite3")


def test_progress_draws_a_bar_on_a_terminal_and_plain_quarters_otherwise():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    plain, terminal = io.StringIO(), Terminal()
    for stream in (plain, terminal):
        progress = Progress("Loading", 8, stream=stream)
        for done in range(9):
            progress.step(done)
        progress.finish()

    assert plain.getvalue() == "Loading: 0%\nLoading: 25%\nLoading: 50%\nLoading: 75%\nLoading: 100%\n"
    assert terminal.getvalue().endswith("\rLoading [" + "#" * 30 + "] 100%\n")
    assert terminal.getvalue().count("\r") == 9
