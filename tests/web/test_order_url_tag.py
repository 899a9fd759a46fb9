"""{% order_url %}: the orders overview's links, each the URL reverse() gives, resolved once per name."""

import pytest
from django.urls import reverse

from orderly.web.templatetags.orderly_web import order_url


@pytest.mark.parametrize(
    ("name", "extra"),
    [
        ("web:order_detail", ()),
        ("web:order_edit", ()),
        ("web:order_delete", ()),
        ("web:order_fulfill", ()),
        ("web:order_action", ("archive",)),
        ("web:order_action", ("cancel",)),
    ],
)
@pytest.mark.parametrize("number", ["SO-000123", "#1001 ü", "a&b;c"])
def test_each_link_is_the_one_reverse_gives(name, extra, number):
    assert order_url(name, number, *extra) == reverse(name, args=[number, *extra])
