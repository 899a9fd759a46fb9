"""`orderly import_orders FILE --channel NAME`: a CSV file of orders imported from the command line through the
same service as the Import page and the API, with a progress bar on a terminal and plain lines otherwise."""

import importlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orderly.channels.models import SyncRun
from orderly.channels.services import CsvRejected, channel_create, csv_import
from orderly.orders.models import Order
from tests.bounds import WAIT_BOUND
from tests.factories import VariantFactory

# The module, which the package's function of the same name hides.
csv_import_module = importlib.import_module("orderly.channels.services.csv_import")

HEADER = "order_id,customer_name,sku,quantity,unit_price,ship_name,ship_line1,ship_postal_code,ship_city,ship_country\n"
ROW = "{id},Ann,ESP-250,{quantity},9.50,Ann,Main 1,1011 AA,Amsterdam,NL\n"


def _file(tmp_path, rows: int, *, name="orders.csv", bad: str = "") -> str:
    path = tmp_path / name
    path.write_text(HEADER + "".join(ROW.format(id=f"A{n}", quantity=1 + n % 3) for n in range(rows)) + bad)
    return str(path)


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def wholesale(db):
    VariantFactory(sku="ESP-250")
    return channel_create(name="Wholesale file", kind="csv")


def test_a_file_is_imported_with_a_line_per_quarter_when_not_on_a_terminal(wholesale, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_import_module, "STEP", 2)
    out = io.StringIO()

    call_command("import_orders", _file(tmp_path, 8), channel="Wholesale file", stdout=out)

    assert out.getvalue() == (
        "Importing orders.csv: 25%\n"
        "Importing orders.csv: 50%\n"
        "Importing orders.csv: 75%\n"
        "Importing orders.csv: 100%\n"
        "orders.csv into Wholesale file: 8 imported, 0 updated, 0 unchanged.\n"
    )
    assert sorted(Order.objects.values_list("external_id", flat=True)) == [f"A{n}" for n in range(8)]
    run = SyncRun.objects.get()
    assert (run.kind, run.status, run.trigger, run.imported) == ("csv", "succeeded", "Command line", 8)


def test_on_a_terminal_the_bar_is_redrawn_in_place(wholesale, tmp_path, monkeypatch):
    monkeypatch.setattr(csv_import_module, "STEP", 3)
    out = Terminal()

    call_command("import_orders", _file(tmp_path, 4), channel="Wholesale file", stdout=out)

    bar = "Importing orders.csv [{}] {:3d}%"
    assert out.getvalue() == (
        "\r" + bar.format("#" * 22 + "-" * 8, 75) + "\r" + bar.format("#" * 30, 100) + "\n"
        "orders.csv into Wholesale file: 4 imported, 0 updated, 0 unchanged.\n"
    )


def test_the_same_file_again_is_reported_unchanged(wholesale, tmp_path):
    path = _file(tmp_path, 3)
    call_command("import_orders", path, channel="Wholesale file", stdout=io.StringIO())
    out = io.StringIO()

    call_command("import_orders", path, channel="Wholesale file", stdout=out)

    assert out.getvalue().splitlines()[-1] == "orders.csv into Wholesale file: 0 imported, 0 updated, 3 unchanged."
    assert Order.objects.count() == 3


def test_a_file_with_bad_rows_is_refused_whole_with_every_error_as_the_api_gives_them(wholesale, tmp_path):
    bad = "B1,,ESP-250,zero,9.50,Bo,Road 2,10115,Berlin,DE\nB2,Cy,,1,1.00,Cy,Lane 3,12345,Rome,XX\n"
    path = _file(tmp_path, 2, bad=bad)
    err = io.StringIO()

    with pytest.raises(CommandError) as refused:
        call_command("import_orders", path, channel="Wholesale file", stdout=io.StringIO(), stderr=err)

    with pytest.raises(CsvRejected) as through_the_service:
        csv_import(channel=wholesale, content=Path(path).read_bytes())
    assert str(refused.value) == through_the_service.value.message
    assert str(refused.value).startswith("The file was not imported: 4 error(s). First: line 4, column customer_name")
    assert err.getvalue() == (
        "  line 4, column customer_name: is required\n"
        "  line 4, column quantity: 'zero' is not a whole number from 1 to 1000000\n"
        "  line 5, column sku: is required\n"
        "  line 5, column ship_country: 'XX' is not an ISO 3166-1 country code (e.g. NL, DE)\n"
    )
    assert (Order.objects.count(), SyncRun.objects.count()) == (0, 0)


def test_a_channel_that_does_not_exist_is_refused_naming_the_channels(wholesale, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("import_orders", _file(tmp_path, 1), channel="Wholesale", stdout=io.StringIO())

    assert str(refused.value) == "No channel is named 'Wholesale'; the channels are: Manual, Wholesale file."
    assert Order.objects.count() == 0


def test_a_channel_that_takes_no_files_is_refused(wholesale, tmp_path):
    with pytest.raises(CommandError) as refused:
        call_command("import_orders", _file(tmp_path, 1), channel="Manual", stdout=io.StringIO())

    assert str(refused.value) == "Channel Manual is a Manually entered channel; files go to a CSV channel."
    assert Order.objects.count() == 0


def test_a_file_that_cannot_be_read_is_refused_naming_it(wholesale, tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(CommandError) as refused:
        call_command("import_orders", str(missing), channel="Wholesale file", stdout=io.StringIO())

    assert str(refused.value) == f"Cannot read {missing}: No such file or directory."


@pytest.mark.django_db(transaction=True)
def test_orderly_import_orders_exits_1_on_a_refusal_and_0_on_success(tmp_path, migrated_data):
    """The real command line, in a process of its own on a SQLite database of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["ORDERLY_DATA_DIR"] = str(migrated_data)

    def orderly(*args):
        command = [sys.executable, "-m", "orderly.cli", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=WAIT_BOUND)

    assert orderly("migrate", "--verbosity", "0").returncode == 0
    setup = "from orderly.channels.services import channel_create; channel_create(name='Files', kind='csv')"
    assert orderly("shell", "-c", setup).returncode == 0
    good, bad = _file(tmp_path, 2), _file(tmp_path, 1, name="bad.csv", bad="B1,Bo,ESP-250,0,1,Bo,R 2,10115,Berlin,DE\n")

    refused = orderly("import_orders", bad, "--channel", "Files")
    imported = orderly("import_orders", good, "--channel", "Files")

    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "  line 3, column quantity: '0' is not a whole number from 1 to 1000000",
        "CommandError: The file was not imported: 1 error(s). First: line 3, column quantity: '0' is not a whole "
        "number from 1 to 1000000. The file looks comma-separated with decimal points.",
    ]
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.splitlines()[-1] == "orders.csv into Files: 2 imported, 0 updated, 0 unchanged."


def test_a_dash_reads_the_file_from_standard_input(wholesale, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(_file(tmp_path, 2)).read_bytes())))
    out = io.StringIO()

    call_command("import_orders", "-", channel="Wholesale file", stdout=out)

    assert out.getvalue().splitlines()[-1] == "standard input into Wholesale file: 2 imported, 0 updated, 0 unchanged."
    assert Order.objects.count() == 2
