"""The README's configuration tables name every environment variable Orderly, its tests and its tools read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"""(?:os\.environ\.get\(|os\.environ\[|getenv\(|_env_flag\(|_env_int\()\s*["']([A-Z][A-Z0-9_]+)["']|\$\{([A-Z][A-Z0-9_]+):-"""
)
# Read, but not Orderly's to document: the desktop a headed browser test shows its window on, Python's and Django's.
NOT_OURS = {"DISPLAY", "WAYLAND_DISPLAY", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "PYTHONPYCACHEPREFIX"}


def variables_read() -> dict[str, str]:
    found = {}
    files = [*ROOT.glob("src/**/*.py"), *ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/*.py"), ROOT / "dev.py"]
    for path in [*files, ROOT / ".ci" / "run"]:
        if path == Path(__file__).resolve():
            continue
        for match in READS.finditer(path.read_text()):
            found.setdefault(match.group(1) or match.group(2), str(path.relative_to(ROOT)))
    return found


def test_every_variable_read_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`\$?([A-Z][A-Z0-9_]{2,})", readme))
    # ORDERLY_SELLER_NAME, _ADDRESS …: the table names the family once
    documented |= {f"ORDERLY_SELLER{suffix}" for suffix in re.findall(r"`(_[A-Z]+)`", readme)}

    missing = {name: where for name, where in variables_read().items() if name not in documented | NOT_OURS}

    assert missing == {}


def test_the_scan_sees_the_variables_it_should():
    read = variables_read()
    assert {
        "DATABASE_URL",
        "ORDERLY_INVOICE_TERMS_DAYS",
        "ORDERLY_SCREENSHOTS",
        "CI_POSTGRES_URL",
        "ORDERLY_HSTS_SECONDS",
    } <= set(read)
