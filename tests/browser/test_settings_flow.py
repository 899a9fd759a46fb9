"""A person makes an API token for a script in Chromium, copies it while it is shown, and later revokes it."""

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from orderly.core.models import ApiToken
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def olga(transactional_db):
    """Written before the browser starts (see test_orders_flow.working_day)."""
    return UserFactory(username="olga", first_name="Olga", last_name="Visser", role="operator")


def test_create_copy_and_revoke_an_api_token(olga, live_server, page, screenshot_dir):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    expect(page.locator("table.tokens tbody")).to_have_text("You have no API tokens yet.")
    page.get_by_label("Name (what it is for)").fill("Label printer")
    page.get_by_label("Expires").select_option(label="In a year")
    page.get_by_role("button", name="Create token").click()

    shown = page.locator("#new-token")
    expect(shown).to_have_text(re.compile(r"^ord_[A-Za-z0-9_-]{43}$"))
    raw = shown.inner_text()
    page.locator(".new-token").get_by_role("button", name="Copy").click()
    expect(page.locator(".new-token").get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == raw
    row = page.locator("table.tokens tbody tr").first
    expect(row).to_contain_text("Label printer")
    expect(row.locator(".badge")).to_have_text("Active")
    page.screenshot(path=str(screenshot_dir / "settings-new-token.png"), full_page=True)
    assert Client().get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    # Shown once: the page opened again lists the token without it.
    page.get_by_role("link", name="API tokens").click()
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(raw)

    # Revoking asks first; declined, nothing happens.
    prefix = ApiToken.objects.get(name="Label printer").prefix
    page.once("dialog", lambda dialog: dialog.dismiss())
    row.get_by_role("button", name=f"Revoke {prefix}").click()
    expect(row.locator(".badge")).to_have_text("Active")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Revoke {prefix}").click()
    expect(page.locator(".toasts")).to_contain_text(f"API token {prefix} (Label printer) revoked")
    expect(page.locator("table.tokens tbody tr").first.locator(".badge")).to_have_text("Revoked")
    assert Client().get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
