import pytest

from orderly.core.exceptions import ValidationError
from orderly.inventory.services import to_quantity


@pytest.mark.parametrize("value", ["1e30", "123456789012345678901234567890.5", 10**40])
def test_huge_quantities_are_refused_as_bad_input(value):
    with pytest.raises(ValidationError) as refused:
        to_quantity(value, field="lines[0].quantity")
    assert refused.value.field == "lines[0].quantity"
    assert "too large" in refused.value.message


def test_a_quantity_is_kept_to_three_decimals():
    assert str(to_quantity("2.5")) == "2.500"
    with pytest.raises(ValidationError):
        to_quantity("2.5", whole=True)
