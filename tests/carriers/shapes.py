"""Comparing an answer with the carrier's documented example: the same keys, the same kinds of values."""


def _kind(value) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def assert_same_shape(actual, documented, *, only: tuple[str, ...] = (), path: str = "$") -> None:
    """Every key of `documented` (only those in `only` at the top, when given) is in `actual`, with a value of the
    same kind, recursively; lists compare their first elements. A null on either side is an optional value."""
    if actual is None or documented is None:
        return
    assert _kind(actual) == _kind(documented), (
        f"{path}: {_kind(actual)} where the documentation has {_kind(documented)}"
    )
    if isinstance(documented, dict):
        for key in only or documented:
            assert key in actual, f"{path}.{key} is missing"
            assert_same_shape(actual[key], documented[key], path=f"{path}.{key}")
    elif isinstance(documented, list) and documented and actual:
        assert_same_shape(actual[0], documented[0], path=f"{path}[0]")
