"""Data folders for the tests that run Orderly's own command line in processes of their own.

Migrating a new SQLite database takes seconds of CPU; a test that starts `orderly serve` on an empty data folder
pays them before it tests anything. `migrated_data` gives a folder holding a copy of a database migrated once per
test process, as `orderly migrate` leaves it: the command under test still runs its migrations, which find nothing
to do. Tests of migrating itself (`orderly migrate` on an empty folder) keep an empty folder.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bounds import WAIT_BOUND

DATABASE_FILE = "orderly.sqlite3"


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """A SQLite database migrated by `orderly migrate`, made once for this test process."""
    folder = tmp_path_factory.mktemp("migrated-data")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["ORDERLY_DATA_DIR"] = str(folder)
    done = subprocess.run(
        [sys.executable, "-m", "orderly.cli", "migrate", "--verbosity", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT_BOUND,
    )
    assert done.returncode == 0, done.stderr
    return folder / DATABASE_FILE


def copy_migrated(database: Path, folder: Path) -> Path:
    """`folder` (made when missing) holding a copy of the migrated `database`, and nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(database, folder / DATABASE_FILE)
    return folder


@pytest.fixture
def migrated_data(tmp_path, migrated_database) -> Path:
    """A data folder of this test's own whose database is already migrated (and holds no rows of its own)."""
    return copy_migrated(migrated_database, tmp_path / "data")
