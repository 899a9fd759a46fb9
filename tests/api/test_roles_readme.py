"""The README's role table and the code agree: what it says a viewer reads, a viewer reads, and no more is written."""

import re
from pathlib import Path

import pytest
from django.test import Client

from orderly.api.v1 import api as ninja_api

ROOT = Path(__file__).resolve().parents[2]
# What the table's viewer row names, and a path of the API that reads it.
READ_AREAS = {
    "orders": "/orders",
    "timelines": "/orders/OR-000001/timeline",
    "products": "/products",
    "channels": "/channels",
    "sync logs": "/channels/1/runs",
    "SKU mappings": "/channels/1/mappings",
    "stock": "/inventory",
    "ledger": "/inventory/ledger",
    "plans": "/plans",
    "fulfillments": "/orders/OR-000001/fulfillments",
    "payments": "/orders/OR-000001/payments",
    "invoices": "/invoices",
    "machines": "/machines",
    "profile groups": "/profile-groups",
    "profiles": "/profiles",
    "roast batches": "/roast-batches",
    "lot traces": "/lots/LOT-000001/trace",
    "customer e-mails": "/emails",
    "e-mail templates": "/email-templates/shipped",
}


def role_rows() -> dict[str, str]:
    section = (ROOT / "README.md").read_text().split("## Roles", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(\w+)` \| (.+) \|$", section, flags=re.M))


def test_the_viewer_row_names_every_area_a_viewer_reads():
    viewer = role_rows()["viewer"]
    assert viewer.startswith("read everything")
    assert [area for area in READ_AREAS if area not in viewer] == []


@pytest.fixture
def viewer_client(tokens):
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens['viewer']}")


def test_a_viewer_reads_every_area_the_table_names(viewer_client, tokens):
    refused = {
        area: viewer_client.get(f"/api/v1{path}").status_code
        for area, path in READ_AREAS.items()
        if viewer_client.get(f"/api/v1{path}").status_code in (401, 403)
    }
    assert refused == {}


def test_every_read_of_the_api_is_open_to_a_viewer_and_no_write_is():
    """Generated from the operations themselves: a GET needs the viewer role, anything else more (the shops'
    webhooks, authenticated by their signature, need none)."""
    checked, wrong = 0, []
    for prefix, router in ninja_api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                roles = {str(getattr(auth, "role", "")) for auth in operation.auth_callbacks}
                if f"{prefix}{path}".startswith("/tokens"):
                    continue  # each person's own tokens: every role manages them
                for method in operation.methods:
                    checked += 1
                    if roles and (method == "GET") != (roles == {"viewer"}):
                        wrong.append((method, f"{prefix}{path}", sorted(roles)))
    assert checked > 60
    assert wrong == []


def test_a_viewer_opens_the_pages_of_every_area_it_reads(users):
    client = Client()
    client.force_login(users["viewer"])
    pages = ["/orders/", "/products/", "/channels/", "/inventory/", "/inventory/ledger/", "/plans/",
             "/roasts/schedules/", "/roasts/profiles/", "/roasts/machines/", "/roasts/green-coffee/"]  # fmt: skip

    assert {page: client.get(page).status_code for page in pages} == dict.fromkeys(pages, 200)
