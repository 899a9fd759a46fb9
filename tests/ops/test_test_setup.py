"""What lets the suite run in parallel: `dev.py test` starts pytest-xdist workers unless told otherwise, and each
worker tests against a database of its own."""

import importlib.util
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dev():
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_worker_tests_against_a_database_of_its_own(db, request):
    worker = getattr(request.config, "workerinput", {}).get("workerid")
    if connection.vendor == "sqlite":
        assert connection.is_in_memory_db()  # in the worker's own process, gone with it
    else:
        name = connection.settings_dict["NAME"]
        assert name.startswith("test_")
        if worker:
            assert name.endswith(f"_{worker}")


@pytest.mark.parametrize(
    "options",
    [[], ["tests/orders"], ["tests/orders", "-x", "-k", "archive"], ["-m", "browser"]],
)
def test_dev_test_runs_in_parallel_when_the_options_say_nothing_about_it(dev, options):
    assert dev.parallel_args(options) == ["-n", "auto", "--dist", "load", "--maxschedchunk", "8"]


@pytest.mark.parametrize(
    "options",
    [
        ["-n", "0"],
        ["-n0"],
        ["-n", "4"],
        ["--numprocesses=3"],
        ["--dist", "loadgroup", "-n", "2"],
        ["-p", "no:xdist"],
        ["--pdb"],
        ["-s"],
        ["tests/orders/test_lifecycle.py::test_archive_and_unarchive"],
        ["tests/orders", "tests/web/test_orders.py::test_x", "-x"],
    ],
)
def test_dev_test_leaves_workers_out_when_the_options_choose_or_name_single_tests(dev, options):
    assert dev.parallel_args(options) == []


def test_dev_runs_python_with_its_bytecode_cache_in_the_virtualenv(dev, monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)

    env = dev.python_environment()

    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert env["PYTHONPYCACHEPREFIX"] == str(ROOT / ".venv" / "pycache")
