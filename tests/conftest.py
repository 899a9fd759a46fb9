from pathlib import Path

import pytest

from orderly.core.actors import Actor
from tests.factories import UserFactory, make_token

TESTS = Path(__file__).resolve().parent
# Tests that take seconds each rather than milliseconds: they start `orderly` processes or a browser. Hypothesis
# tests (many examples each) are found by themselves.
SLOW_FOLDERS = (TESTS / "ops", TESTS / "browser")


def _is_slow(item: pytest.Item) -> bool:
    return (
        item.get_closest_marker("browser") is not None
        or any(folder in item.path.parents for folder in SLOW_FOLDERS)
        or getattr(getattr(item, "obj", None), "is_hypothesis_test", False)
    )


def _database_use(item: pytest.Item) -> str:
    """ "rollback" (the test runs in a transaction rolled back after it), "flush" (transactional or live-server
    tests: the tables are emptied after it, including the rows migrations seed: the Manual channel, the default
    warehouse) or "none"; as pytest-django tells them apart."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return "rollback" if issubclass(cls, TestCase) else "flush"
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences") or any(marker.args[:2])
    )
    if transactional or "transactional_db" in fixtures or "live_server" in fixtures:
        return "flush"
    if marker is not None or "db" in fixtures:
        return "rollback"
    return "none"


def _repeats_the_first_run(item: pytest.Item) -> bool:
    """On a second database, a test that uses none would only run again as it did. So would a browser test: it
    checks what the pages show and how a person goes through them, which the database does not change; what does
    differ between databases (search, row locks, queries) is tested below the pages on both. A browser test whose
    flow depends on the database itself is marked both_databases."""
    if _database_use(item) == "none":
        return True
    return item.get_closest_marker("browser") is not None and item.get_closest_marker("both_databases") is None


def _parallel_rank(item: pytest.Item) -> int:
    use = _database_use(item)
    if use == "flush":
        return 3 if _is_slow(item) else 4  # after every rollback test, as pytest-django orders them
    if use == "rollback":
        return 1 if _is_slow(item) else 2
    return 0 if _is_slow(item) else 5  # touch no database: may run anywhere


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--second-database",
        action="store_true",
        help="the run on a second database (CI runs the whole suite on SQLite, then this on PostgreSQL): leaves out "
        "what would only repeat the first run, the tests that use no test database and the browser tests not marked "
        "both_databases",
    )


def pytest_configure(config: pytest.Config) -> None:
    """A DomainError raised with detail keys other than its code's in the catalogue fails the test that raised it
    (in production it is answered and the mismatch logged)."""
    from django.conf import settings

    from orderly.core import exceptions

    exceptions.STRICT = True
    # The tests' shops listen on 127.0.0.1; tests/channels/test_egress.py turns this off to test the refusals.
    settings.ORDERLY_ALLOW_PRIVATE_NETWORKS = True
    # A row lock taken against the global order, or outside a service under retry_on_conflict, fails the test.
    settings.ORDERLY_LOCK_ORDER_CHECK = "raise"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a parallel run (pytest-xdist), start the slow tests first.

    `dev.py test` hands the tests to the workers in collection order (`--dist load`). Queued at the front, the
    slow tests (`orderly` processes, Chromium, Hypothesis) are spread out while there is still other work to
    balance them with; queued last, one of them would keep a worker busy while the other has nothing left to do.
    The order pytest-django needs still holds: every test that flushes the tables runs after every test that
    expects the rows migrations seed. Each worker collects and sorts alike, as xdist requires; a run in one
    process keeps pytest-django's order."""
    if config.getoption("--second-database"):
        left_out = [item for item in items if _repeats_the_first_run(item)]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if not _repeats_the_first_run(item)]
    if hasattr(config, "workerinput"):
        items.sort(key=_parallel_rank)


@pytest.fixture
def operator(db):
    return UserFactory(username="olga", role="operator")


@pytest.fixture
def actor(operator):
    return Actor.for_user(operator)


@pytest.fixture
def users(db):
    """One user per role, by role name."""
    return {role: UserFactory(username=role, role=role) for role in ("viewer", "operator", "manager", "admin")}


@pytest.fixture
def tokens(users):
    """A bearer token per role, by role name."""
    return {role: make_token(user) for role, user in users.items()}


@pytest.fixture(autouse=True)
def plain_static_files(settings, tmp_path_factory):
    """Serve static files by name from the apps: the hashed manifest exists only after collectstatic."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = tmp_path_factory.getbasetemp() / "static"
    settings.STATIC_ROOT.mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests make a user per role; the production hasher is slow on purpose, which tests do not need."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
