import pytest

from tests.web.helpers import text

pytestmark = pytest.mark.django_db

PAGES = [
    "/orders/",
    "/orders/new/",
    "/orders/OR-000001/",
    "/orders/OR-000001/edit/",
    "/orders/OR-000001/delete/",
    "/products/",
    "/products/new/",
    "/products/1/",
    "/variants/ESP-250/edit/",
]


def test_root_is_the_start_page(op):
    response = op.get("/")
    assert response.status_code == 200
    assert response.templates[0].name == "web/home.html"


@pytest.mark.parametrize("url", PAGES)
def test_every_page_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/login/?next={url}"


def test_a_post_without_login_writes_nothing_and_asks_for_a_login(client):
    from tests.factories import make_order

    order = make_order()
    response = client.post(f"/orders/{order.number}/archive/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    order.refresh_from_db()
    assert order.is_archived is False


def test_login_page_renders(client):
    response = client.get("/login/")
    assert response.status_code == 200
    page = text(response)
    assert "Log in to Orderly" in page
    assert 'for="id_username"' in response.content.decode()
    assert 'for="id_password"' in response.content.decode()


def test_login_with_the_right_password_goes_to_the_page_asked_for(client, users):
    response = client.post(
        "/login/", {"username": "operator", "password": "correct-horse-battery", "next": "/products/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/products/"
    assert client.get("/products/").status_code == 200


def test_login_with_a_wrong_password_says_so(client, users):
    response = client.post("/login/", {"username": "operator", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in text(response)
    assert client.get("/orders/").status_code == 302


def test_logout_is_a_post_and_ends_the_session(op):
    assert op.get("/orders/").status_code == 200
    response = op.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert op.get("/orders/").status_code == 302


def test_navigation_shows_what_exists_for_a_person(clients):
    page = text(clients["operator"].get("/orders/"))
    assert "Orders Products" in page
    assert "Admin" not in page
    assert "operator Operator" in page
    assert "Log out" in page


def test_navigation_shows_admin_to_staff(db):
    from django.test import Client

    from tests.factories import UserFactory

    staff = UserFactory(username="sam", role="admin", is_staff=True)
    client = Client()
    client.force_login(staff)
    response = client.get("/orders/")
    assert 'href="/admin/"' in response.content.decode()
    assert (
        "Orders Products Inventory Plans Roasts Schedules Profiles Machines Green coffee Invoices Channels Admin"
        in text(response)
    )


def test_the_current_section_is_marked_in_the_navigation(op):
    html = op.get("/products/").content.decode()
    assert '<a href="/products/" aria-current="page">Products</a>' in html
    assert '<a href="/orders/">Orders</a>' in html


def test_static_files_are_local(op):
    html = op.get("/orders/").content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/web/orderly.css">' in html
    assert "http://" not in html
    assert "https://" not in html


def test_an_htmx_request_after_the_session_ended_sends_the_window_to_the_login(client):
    response = client.get("/orders/?q=anna", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/login/?next=/orders/%3Fq%3Danna"
