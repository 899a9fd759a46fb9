import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from orderly.cli import main
from orderly.core.models import ApiToken, User, hash_token
from orderly.core.services import token_create
from tests.bounds import WAIT_BOUND
from tests.factories import UserFactory


def test_user_create_prints_the_generated_password_once(db, capsys):
    assert main(["user", "create", "vera", "--role", "viewer"]) == 0

    out = capsys.readouterr().out
    assert "Created user vera with role viewer." in out
    password = next(line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("Password: "))
    user = User.objects.get(username="vera")
    assert user.role == "viewer"
    assert user.check_password(password)
    assert out.count(password) == 1


def test_user_create_with_a_password_does_not_print_it(db, capsys):
    assert main(["user", "create", "max", "--role", "manager", "--password", "roast-master-42"]) == 0

    out = capsys.readouterr().out
    assert "roast-master-42" not in out
    assert User.objects.get(username="max").check_password("roast-master-42")


def test_user_create_with_an_unknown_role_fails_in_one_line_and_creates_nothing(db, capsys):
    assert main(["user", "create", "bob", "--role", "boss"]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("orderly: error: Unknown role 'boss'; choose one of viewer, operator, manager, admin.\n")
    assert not User.objects.filter(username="bob").exists()


def test_user_create_refuses_a_taken_username(db, capsys):
    assert main(["user", "create", "olga", "--role", "operator"]) == 0
    capsys.readouterr()

    assert main(["user", "create", "olga", "--role", "admin"]) == 1

    assert capsys.readouterr().err == "orderly: error: A user named 'olga' already exists.\n"
    assert User.objects.get(username="olga").role == "operator"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "This password is too short. It must contain at least 8 characters."),
        ("12345678901", "This password is too common. This password is entirely numeric."),
        ("password1", "This password is too common."),
        ("roaster1", "The password is too similar to the username."),
        ("kim.roaster@example.com", "The password is too similar to the email address."),
    ],
)
def test_user_create_refuses_a_weak_password_saying_every_rule_it_breaks_in_one_line(db, capsys, password, message):
    email = "kim.roaster@example.com"

    assert main(["user", "create", "roaster", "--role", "viewer", "--password", password, "--email", email]) == 1

    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"orderly: error: {message}\n")
    assert not User.objects.filter(username="roaster").exists()


def test_token_create_prints_a_working_token_alone_on_stdout(db, capsys):
    main(["user", "create", "olga", "--role", "operator"])
    capsys.readouterr()

    assert main(["token", "create", "olga", "--name", "shop sync"]) == 0

    captured = capsys.readouterr()
    raw = captured.out.strip()
    assert raw.startswith("ord_")
    assert "\n" not in raw
    assert "shown only now" in captured.err
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.user.username == "olga"
    assert token.name == "shop sync"


def test_token_create_with_an_expiry_says_when_it_ends(db, capsys):
    UserFactory(username="olga")
    before = timezone.now()

    assert main(["token", "create", "olga", "--name", "trial", "--expires-in-days", "7"]) == 0

    captured = capsys.readouterr()
    token = ApiToken.objects.get(key_hash=hash_token(captured.out.strip()))
    assert before + dt.timedelta(days=7) <= token.expires_at <= timezone.now() + dt.timedelta(days=7)
    assert captured.err == (
        f"API token {token.prefix} for olga; it expires {token.expires_at:%Y-%m-%d %H:%M} UTC: send it as "
        "`Authorization: Bearer <token>`. It is shown only now.\n"
    )


@pytest.mark.parametrize("days", ["0", "3651"])
def test_token_create_refuses_an_expiry_out_of_range(db, capsys, days):
    UserFactory(username="olga")

    assert main(["token", "create", "olga", "--expires-in-days", days]) == 1

    assert capsys.readouterr().err == (
        f"orderly: error: expires_in_days must be between 1 and 3650 (or left out for a token that does not expire), "
        f"not {days}.\n"
    )
    assert ApiToken.objects.count() == 0


def test_token_list_shows_every_token_but_never_the_token(db, capsys):
    UserFactory(username="olga")
    UserFactory(username="vera")
    shop, shop_raw = token_create(username="olga", name="shop sync")
    trial, _ = token_create(username="olga", name="trial", expires_in_days=1)
    old, _ = token_create(username="vera")
    at = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    ApiToken.objects.filter(pk=shop.pk).update(created_at=at, last_used_at=at + dt.timedelta(hours=2))
    ApiToken.objects.filter(pk=trial.pk).update(created_at=at + dt.timedelta(days=1), expires_at=at)
    ApiToken.objects.filter(pk=old.pk).update(created_at=at - dt.timedelta(days=1), revoked_at=at)

    assert main(["token", "list"]) == 0

    out = capsys.readouterr().out
    revoked = "revoked 2026-03-01 09:30"
    assert out.splitlines() == [
        "PREFIX        USER  NAME       CREATED (UTC)     LAST USED         EXPIRES           STATUS",
        f"{trial.prefix}  olga  trial      2026-03-02 09:30  never             2026-03-01 09:30  expired",
        f"{shop.prefix}  olga  shop sync  2026-03-01 09:30  2026-03-01 11:30  never             active",
        f"{old.prefix}  vera  -          2026-02-28 09:30  never             never             {revoked}",
    ]
    assert shop_raw not in out and shop.key_hash not in out

    assert main(["token", "list", "vera"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["PREFIX", old.prefix]


def test_token_list_of_a_user_without_tokens_or_of_no_user(db, capsys):
    UserFactory(username="olga")

    assert main(["token", "list", "olga"]) == 0
    assert capsys.readouterr().out == "olga has no API tokens.\n"
    assert main(["token", "list", "ghost"]) == 1
    assert capsys.readouterr().err == "orderly: error: No user named 'ghost'.\n"


def test_token_revoke_by_prefix_makes_the_token_answer_401(db, capsys, client):
    UserFactory(username="olga")
    token, raw = token_create(username="olga", name="shop sync")
    assert client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    assert main(["token", "revoke", token.prefix]) == 0

    assert capsys.readouterr().out == (
        f"Revoked API token {token.prefix} (shop sync) of olga; it is refused from now on.\n"
    )
    assert client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    capsys.readouterr()  # Django's log line of the 401
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at

    assert main(["token", "revoke", token.prefix]) == 1
    assert capsys.readouterr().err == (
        f"orderly: error: The API token with the prefix {token.prefix} was already revoked at "
        f"{revoked_at:%Y-%m-%d %H:%M} UTC.\n"
    )
    assert main(["token", "revoke", "ord_nothing"]) == 1
    assert capsys.readouterr().err == "orderly: error: No API token with the prefix 'ord_nothing'.\n"
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at


def test_token_create_for_an_unknown_user_fails_and_creates_nothing(db, capsys):
    assert main(["token", "create", "nobody"]) == 1

    assert capsys.readouterr().err == "orderly: error: No active user named 'nobody'.\n"
    assert ApiToken.objects.count() == 0


def test_other_words_go_to_djangos_management_commands(db, capsys):
    assert main(["check"]) == 0

    assert "System check identified no issues" in capsys.readouterr().out


def test_an_unknown_command_exits_non_zero(capsys):
    assert main(["frobnicate"]) == 1

    assert "Unknown command: 'frobnicate'" in capsys.readouterr().err


def test_help_lists_orderlys_own_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])

    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for command in ("serve", "worker", "demo", "user", "token"):
        assert command in out


def test_missing_arguments_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["user", "create", "vera"])

    assert exit_.value.code == 2
    assert "--role" in capsys.readouterr().err


def _orderly(tmp_path, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["ORDERLY_DATA_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "orderly.cli", *args], env=env, capture_output=True, text=True, timeout=WAIT_BOUND
    )


def test_the_command_refuses_to_work_on_a_database_that_is_not_set_up(tmp_path):
    result = _orderly(tmp_path, "user", "create", "vera", "--role", "viewer")

    assert result.returncode == 1
    assert result.stderr == (
        "orderly: error: the database is not set up (unapplied migrations); "
        "run `orderly migrate` or `orderly serve` first.\n"
    )


def test_the_installed_command_migrates_creates_a_user_and_reports_errors_by_exit_code(tmp_path):
    migrate = _orderly(tmp_path, "migrate", "--verbosity", "0")
    assert migrate.returncode == 0, migrate.stderr

    created = _orderly(tmp_path, "user", "create", "vera", "--role", "viewer")
    refused = _orderly(tmp_path, "user", "create", "bob", "--role", "boss")

    assert created.returncode == 0, created.stderr
    assert "Password: " in created.stdout
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert "Traceback" not in refused.stderr


def test_demo_loads_through_the_command(db, capsys):
    assert main(["demo"]) == 0

    assert capsys.readouterr().out == (
        "".join(f"Loading demo data: {percent}%\n" for percent in (0, 25, 50, 75, 100))
        + "Demo data loaded: 7 products, 4 channels, 61 orders, 2 machines, 6 roast profiles, 7 green lots, "
        "1 plan to roast for.\n"
    )


def test_every_command_finds_the_same_data_folder_whichever_folder_it_runs_from(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ORDERLY_DATA_DIR")}
    env["DJANGO_SETTINGS_MODULE"] = "orderly.settings"
    show = "from django.conf import settings; print(settings.DATA_DIR, settings.DATABASES['default']['NAME'])"
    checkout = Path(__file__).resolve().parents[2]
    seen = {
        subprocess.run(
            [sys.executable, "-c", show], cwd=folder, env=env, capture_output=True, text=True, check=True
        ).stdout
        for folder in (checkout, tmp_path, "/")
    }

    assert seen == {f"{checkout / 'var'} {checkout / 'var' / 'orderly.sqlite3'}\n"}


def test_help_lists_orderlys_own_commands_before_djangos(capsys):
    assert main(["help"]) == 0

    printed = capsys.readouterr().out
    assert printed.startswith("usage: orderly [-h] COMMAND ...")
    assert printed.index("serve     set up the database") < printed.index("Django's management commands")
    assert printed.index("Django's management commands") < printed.index("\nmigrate\n")


def test_worker_help_prints_the_workers_help_and_exits_0(capsys):
    assert main(["worker", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: orderly worker [task_worker options]\n")
    assert main(["help", "worker"]) == 0
    assert "the scheduler" in capsys.readouterr().out


def test_serve_prepares_an_empty_metrics_folder_per_port_under_the_data_folder(settings, tmp_path, monkeypatch):
    from orderly.cli import METRICS_DIR, _prepare_metrics_dir

    settings.DATA_DIR = tmp_path
    monkeypatch.setenv(METRICS_DIR, "")  # recorded, so that the value serve sets is undone after the test
    monkeypatch.delenv(METRICS_DIR)
    earlier = tmp_path / "metrics" / "8000"
    earlier.mkdir(parents=True)
    (earlier / "counter_4711.db").write_bytes(b"counts of an earlier run")
    (earlier / "notes.txt").write_text("not ours")

    folder = _prepare_metrics_dir(8000)

    assert folder == earlier
    assert sorted(path.name for path in folder.iterdir()) == ["notes.txt"]
    assert os.environ[METRICS_DIR] == str(earlier)  # what granian's processes inherit


def test_serve_takes_the_metrics_folder_it_is_given_and_says_when_it_cannot_make_it(tmp_path, monkeypatch):
    from orderly.cli import METRICS_DIR, CliError, _prepare_metrics_dir

    monkeypatch.setenv(METRICS_DIR, str(tmp_path / "given"))
    assert _prepare_metrics_dir(8000) == tmp_path / "given"

    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(METRICS_DIR, str(tmp_path / "a-file" / "metrics"))
    with pytest.raises(CliError) as refused:
        _prepare_metrics_dir(8000)
    assert str(refused.value) == f"cannot prepare the metrics folder {tmp_path / 'a-file' / 'metrics'}: Not a directory"
