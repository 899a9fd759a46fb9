"""The one catalogue of error codes: the README's table says the same, every code is used, and a domain error
carries exactly its code's detail keys."""

import json
import logging
import re
from pathlib import Path

import pytest

from orderly.core import exceptions
from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import Conflict, NotFound, TransitionNotAllowed, ValidationError

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "orderly"


def _readme_table() -> list[tuple[str, int, str, list[str]]]:
    """(code, status, meaning, detail keys) of each row of the README's "Error codes" table."""
    section = (ROOT / "README.md").read_text().split("\n## Error codes\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        code, status, meaning, detail = (cell.strip() for cell in line.strip().strip("|").split("|"))
        keys = [] if detail == "—" else [key.strip().strip("`") for key in detail.split(",")]
        rows.append((code.strip("`"), int(status), meaning, keys))
    return rows


def test_the_readme_lists_every_code_with_its_status_meaning_and_detail_keys():
    assert _readme_table() == [(code.value, code.status, code.meaning, list(code.detail)) for code in ErrorCode]


def test_every_code_is_well_formed():
    for code in ErrorCode:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", code.value), code
        assert code.status in (400, 401, 403, 404, 405, 409, 413, 422, 429, 500, 502, 503), code
        assert code.meaning.endswith("."), code
        assert json.loads(json.dumps(dict(code.detail))) == dict(code.detail), code


def test_every_code_is_used_by_the_code_base():
    used = "\n".join(
        path.read_text() for path in SOURCE.rglob("*.py") if path.name != "error_codes.py" and "tests" not in path.parts
    )
    unused = [code.name for code in ErrorCode if f"ErrorCode.{code.name}" not in used]
    assert unused == []


def test_a_refusal_takes_its_status_from_its_code():
    refused = Conflict("No stock.", code=ErrorCode.INSUFFICIENT_STOCK, sku="ESP-250", needed="3", available="1")

    assert (refused.code, refused.status, refused.message, refused.field) == (
        "insufficient_stock",
        409,
        "No stock.",
        None,
    )
    assert refused.detail == {"sku": "ESP-250", "needed": "3", "available": "1"}
    assert ValidationError("Too long.", field="name").status == 422
    assert NotFound("No plan.", resource="plan", key="OF-1").status == 404


def test_a_transition_refusal_names_the_current_and_the_attempted_state():
    refused = TransitionNotAllowed(
        resource="packaging_plan", key="PP-000004", current="completed", attempted="archived"
    )

    assert (
        refused.message
        == "Cannot move to archived: packaging plan PP-000004 is completed, and completed → archived is not allowed."
    )
    assert (refused.code, refused.status) == ("transition_not_allowed", 409)
    assert refused.detail == {
        "resource": "packaging_plan",
        "key": "PP-000004",
        "current": "completed",
        "attempted": "archived",
    }


def test_a_refusal_without_its_code_s_detail_keys_fails_in_the_tests():
    with pytest.raises(TypeError, match=r"takes the detail keys \['available', 'needed', 'sku'\], not \['sku'\]"):
        Conflict("No stock.", code=ErrorCode.INSUFFICIENT_STOCK, sku="ESP-250")
    with pytest.raises(TypeError, match="needs a code from the catalogue"):
        Conflict("Something is wrong.")
    with pytest.raises(ValueError, match="'archived' is not a valid ErrorCode"):
        Conflict("Archived.", code="archived")


def test_in_production_a_refusal_with_the_wrong_detail_keys_is_still_raised_and_the_mismatch_logged(
    monkeypatch, caplog
):
    monkeypatch.setattr(exceptions, "STRICT", False)

    with caplog.at_level(logging.ERROR, logger=exceptions.__name__):
        refused = Conflict("No stock.", code=ErrorCode.INSUFFICIENT_STOCK, sku="ESP-250")

    assert (refused.code, refused.detail) == ("insufficient_stock", {"sku": "ESP-250"})
    assert [r.getMessage() for r in caplog.records] == [
        "Conflict(insufficient_stock) takes the detail keys ['available', 'needed', 'sku'], not ['sku']: No stock."
    ]
