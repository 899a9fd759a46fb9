"""The README's API examples, run as written against `orderly serve --demo`: they fail here when they stop working."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops.test_serve import PATIENCE, Server

ROOT = Path(__file__).resolve().parents[2]


def shell_examples() -> list[str]:
    """The README's ```sh blocks that talk to the API (the others set up machines or run the suite)."""
    blocks = re.findall(r"^```sh\n(.*?)^```", (ROOT / "README.md").read_text(), flags=re.S | re.M)
    return [block for block in blocks if "/api/v1/" in block]


@pytest.fixture
def demo_server(migrated_data):
    server = Server(migrated_data, "--demo")
    yield server
    server.kill()


def test_the_readmes_api_examples_work_on_the_demo(demo_server, tmp_path):
    examples = shell_examples()
    assert len(examples) == 3  # creating an order; paging the list by cursor; fulfilling, paying and invoicing it
    demo_server.wait_for_line("Press Ctrl-C to stop.")
    script = "\n".join(examples)
    script = script.replace("http://127.0.0.1:8000", demo_server.url)
    script = script.replace(".venv/bin/orderly", f"{sys.executable} -m orderly.cli")
    script = script.replace("curl -sS", "curl -sS --fail-with-body")  # an error answer fails the script
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["ORDERLY_DATA_DIR"] = str(tmp_path / "data")
    work = tmp_path / "work"
    work.mkdir()

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env, capture_output=True, text=True, timeout=PATIENCE
    )

    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    order = json.loads((work / "order.json").read_text())
    invoice = json.loads((work / "invoice.json").read_text())
    assert (order["status"], order["customer"]["name"]) == ("open", "Café de Jaren")
    assert invoice["order"] == order["number"]
    assert (work / f"{invoice['number']}.pdf").read_bytes().startswith(b"%PDF")
    label = json.loads((work / "label.json").read_text())
    assert (label["carrier"], label["label_status"], label["tracking_number"]) == ("Own courier", "booked", "PA-000001")
    assert (work / "label.pdf").read_bytes().startswith(b"%PDF")
