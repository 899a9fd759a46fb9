"""A failed sync in a merchant's words, with the fix, from the reason the connectors record."""

import pytest

from orderly.channels.problems import sync_problem

URL = "https://roastery.myshopify.com/admin/api/2024-10/orders.json"


@pytest.mark.parametrize(
    ("error", "what"),
    [
        (f"GET {URL} failed: ConnectError, 4 attempts.", "The shop's address could not be reached."),
        (f"GET {URL} timed out, 4 attempts.", "The shop's address could not be reached."),
        (f"GET {URL} was refused: 401 Invalid API key or access token", "The shop refused the access token."),
        (f"GET {URL} was refused: 403 Forbidden", "The shop refused the access token."),
        (f"GET {URL} was refused: 404 Not Found", "The shop's address answered, but there is no shop API at it."),
        (f"GET {URL} was refused: 422 Bad status", "The shop refused the request."),
        (f"GET {URL} answered 503, 4 attempts.", "The shop had trouble of its own and did not answer."),
        ("The shop asked to wait 120s (rate limit); trying at the next sync.", "The shop asked Orderly to slow down."),
        (
            "The channel has no access_token; enter it in the channel's credentials.",
            "The channel has no usable credentials.",
        ),
        (
            f"GET {URL} answered with something that is not JSON.",
            "The address answered, but not as the shop's API does.",
        ),
        (
            "The channel was disabled or does not pull orders any more.",
            "The channel was disabled before the sync could run.",
        ),
        ("Something nobody foresaw", "The sync failed."),
    ],
)
def test_each_failure_reads_in_words_and_keeps_the_technical_reason(error, what):
    found = sync_problem(error)
    assert (found.what, found.detail) == (what, error)
    assert found.fix
    assert "Error" not in found.what and "Error" not in found.fix  # no exception class names in the words


def test_no_error_is_no_problem():
    assert sync_problem("") is None
