"""The settings for running Orderly on the internet, behind a TLS-terminating proxy (README: "Running Orderly on the
internet"): what ORDERLY_HTTPS turns on, and Django's deployment checks passing with it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bounds import WAIT_BOUND

ROOT = Path(__file__).resolve().parents[2]
SHOWN = [
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "ORDERLY_PROXY_HOPS",
]
SHOW_SETTINGS = f"""
import json, django
from django.conf import settings
django.setup()
print(json.dumps({{name: getattr(settings, name) for name in {SHOWN!r}}}))
"""


def _run(tmp_path: Path, command: list[str], **env: str) -> subprocess.CompletedProcess:
    """Run Python with Orderly's settings from exactly this environment (none of ours inherited)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ORDERLY_", "SECURE_", "DEBUG"))}
    clean.pop("DATABASE_URL", None)
    clean.update(ORDERLY_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="orderly.settings", **env)
    return subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=WAIT_BOUND, check=False
    )


def _settings(tmp_path: Path, **env: str) -> dict:
    done = _run(tmp_path, ["-c", SHOW_SETTINGS], **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _deploy_check(tmp_path: Path, **env: str) -> tuple[int, list[str]]:
    """The exit code of `manage.py check --deploy --fail-level WARNING` and the ids of what it reported."""
    done = _run(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **env)
    output = done.stdout + done.stderr
    return done.returncode, sorted(word.strip("():") for word in output.split() if word.startswith("(security."))


def test_without_https_nothing_is_secure_only(tmp_path):
    assert _settings(tmp_path) == {
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "ORDERLY_PROXY_HOPS": 0,
    }


def test_https_behind_a_proxy_turns_on_every_secure_setting(tmp_path):
    assert _settings(tmp_path, ORDERLY_HTTPS="1") == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "ORDERLY_PROXY_HOPS": 1,
    }


def test_hsts_and_the_proxy_count_can_be_tuned(tmp_path):
    tuned = _settings(
        tmp_path,
        ORDERLY_HTTPS="1",
        ORDERLY_HSTS_SECONDS="3600",
        ORDERLY_HSTS_INCLUDE_SUBDOMAINS="0",
        ORDERLY_HSTS_PRELOAD="1",
        ORDERLY_PROXY_HOPS="2",
    )

    assert (tuned["SECURE_HSTS_SECONDS"], tuned["SECURE_HSTS_INCLUDE_SUBDOMAINS"]) == (3600, False)
    assert (tuned["SECURE_HSTS_PRELOAD"], tuned["ORDERLY_PROXY_HOPS"]) == (True, 2)


@pytest.mark.parametrize(("name", "value"), [("ORDERLY_HSTS_SECONDS", "a year"), ("ORDERLY_PROXY_HOPS", "-1")])
def test_a_setting_that_is_not_a_number_stops_orderly_naming_it(tmp_path, name, value):
    done = _run(tmp_path, ["-c", SHOW_SETTINGS], ORDERLY_HTTPS="1", **{name: value})

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"django.core.exceptions.ImproperlyConfigured: {name} must be a whole number of at least 0, not {value!r}."
    )


def test_the_deployment_checks_pass_behind_a_tls_proxy(tmp_path):
    production = {"ORDERLY_HTTPS": "1", "ALLOWED_HOSTS": "orders.example.com"}

    # The one remark left is HSTS preloading, which is opt-in (README says why); with it, nothing is left.
    assert _deploy_check(tmp_path, **production) == (1, ["security.W021"])
    assert _deploy_check(tmp_path, **production, ORDERLY_HSTS_PRELOAD="1") == (0, [])


def test_the_deployment_checks_name_what_is_missing_without_https(tmp_path):
    assert _deploy_check(tmp_path, ALLOWED_HOSTS="orders.example.com") == (
        1,
        ["security.W004", "security.W008", "security.W012", "security.W016"],
    )
