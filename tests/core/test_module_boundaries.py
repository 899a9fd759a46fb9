"""Modules keep to their own: a static check over the source of every module of src/orderly.

- A private name (one leading underscore) is not imported from another module: `from a import _b`, `import a._b`,
  or `a._b` on a module imported by name. A helper two modules need is public where its rule lives.
- No import inside a function body: a module's dependencies are at its top, where import-linter (pyproject.toml)
  sees and checks them. The only exceptions break a cycle with Django's app loading, each listed in ALLOWED_INNER
  with why.
- No Django signals (DESIGN.md): an area that must tell one above it something leaves a durable record that the
  higher area's task picks up (a task queued by its path in the same transaction, an outbox row).
"""

import ast
import importlib.util
from pathlib import Path

import orderly

SRC = Path(orderly.__file__).resolve().parent

# {module file (relative to src/orderly): {imported module: why it is imported inside a function}}
BEFORE_SETUP = "the `orderly` command picks the settings and calls django.setup() before it may import these"
ALLOWED_INNER = {
    "cli.py": {
        "orderly.core.exceptions": BEFORE_SETUP,
        "django": BEFORE_SETUP,
        "django.core.management": BEFORE_SETUP,
        "django.db": BEFORE_SETUP,
        "django.db.migrations.executor": BEFORE_SETUP,
        "orderly.core.services": BEFORE_SETUP,
        "orderly.core.selectors": BEFORE_SETUP,
        "django.utils": BEFORE_SETUP,
        "django.contrib.auth": BEFORE_SETUP,
        "django.conf": BEFORE_SETUP,
    },
    # AppConfig.ready(): what imports models may load only once the app registry is ready
    "ops/apps.py": {"orderly.ops": "ready() starts the worker's heartbeat once the apps are loaded"},
}


def _modules() -> list[Path]:
    return sorted(path for path in SRC.rglob("*.py") if "migrations" not in path.parts)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _is_module(dotted: str) -> bool:
    try:
        return importlib.util.find_spec(dotted) is not None
    except (ImportError, ValueError):
        return False


def private_imports(source: str) -> list[tuple[int, str]]:
    """(line, what) for every private name `source` takes from another module."""
    tree = ast.parse(source)
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                dotted = f"{node.module}.{alias.name}"
                if _private(alias.name):
                    found.append((node.lineno, f"from {node.module} import {alias.name}"))
                elif (node.module or "").startswith("orderly") and _is_module(dotted):
                    modules[alias.asname or alias.name] = dotted
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(_private(part) for part in alias.name.split(".")):
                    found.append((node.lineno, f"import {alias.name}"))
                elif alias.name.startswith("orderly") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append((node.lineno, f"{modules[node.value.id]}.{node.attr}"))
    return found


def inner_imports(source: str) -> list[tuple[int, str]]:
    """(line, imported module) for every import inside a function body of `source`."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if in_function and isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif in_function and isinstance(child, ast.ImportFrom):
                found.append((child.lineno, "." * child.level + (child.module or "")))
            visit(child, in_function or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef))

    visit(ast.parse(source), False)
    return found


def test_no_module_imports_another_modules_private_name():
    sites = [
        f"{path.relative_to(SRC)}:{line} {what}"
        for path in _modules()
        for line, what in private_imports(path.read_text())
    ]
    assert sites == []


def test_no_import_inside_a_function_but_the_listed_app_loading_ones():
    sites, used = [], set()
    for path in _modules():
        name = str(path.relative_to(SRC))
        for line, module in inner_imports(path.read_text()):
            if module in ALLOWED_INNER.get(name, {}):
                used.add((name, module))
            else:
                sites.append(f"{name}:{line} imports {module} inside a function")
    assert sites == []
    # an exception that is no longer needed goes from the list too
    assert used == {(name, module) for name, modules in ALLOWED_INNER.items() for module in modules}


def test_no_module_sends_or_hears_django_signals():
    """The worker's own hooks into django-tasks (orderly.ops.worker) are the one use: they are the library's API for
    a task starting and finishing, not a message between Orderly's areas."""
    sites = []
    for path in _modules():
        name = str(path.relative_to(SRC))
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for imported in modules:
                if imported.startswith("django.dispatch") or imported.endswith(".signals"):
                    sites.append(f"{name}:{node.lineno} {imported}")
    assert sites == ["ops/worker.py:11 django_tasks.signals"]


def test_the_checks_see_what_they_look_for():
    source = (
        "import orderly.inventory.services.stock as stock\n"
        "from orderly.inventory.services import stock as ledger\n"
        "from orderly.channels.services.sync import _helper, take_orders\n"
        "import orderly._hidden\n"
        "def work():\n"
        "    from orderly.plans import planning\n"
        "    import json\n"
        "    def inner():\n"
        "        from .x import y\n"
        "    return stock._private, ledger._other, ledger.public\n"
        "class Thing:\n"
        "    def method(self):\n"
        "        import os\n"
    )
    assert private_imports(source) == [
        (3, "from orderly.channels.services.sync import _helper"),
        (4, "import orderly._hidden"),
        (10, "orderly.inventory.services.stock._private"),
        (10, "orderly.inventory.services.stock._other"),
    ]
    assert inner_imports(source) == [(6, "orderly.plans"), (7, "json"), (9, ".x"), (13, "os")]
