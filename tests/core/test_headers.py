"""Every answer carries the security headers, over plain HTTP too: pages, the admin, the API, static files, errors."""

import re
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

import orderly.web
from orderly.core.headers import SecurityHeadersMiddleware

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=()"
)


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/login/", 200, "text/html; charset=utf-8"),
        ("/orders/", 302, "text/html; charset=utf-8"),
        ("/no-such-page/", 404, "text/html; charset=utf-8"),
        ("/admin/login/", 200, "text/html; charset=utf-8"),
        ("/api/v1/docs", 200, "text/html; charset=utf-8"),
        ("/api/v1/orders", 401, "application/json"),
        ("/api/v1/", 200, "application/json"),
        ("/static/web/orderly.js", 200, 'text/javascript; charset="utf-8"'),
    ],
)
def test_every_answer_carries_the_security_headers(db, settings, path, status, content_type):
    # WhiteNoise answers static files before any view, as it does in production from the collected files.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get(path)

    assert (response.status_code, response["Content-Type"]) == (status, content_type)
    assert response["Content-Security-Policy"] == CSP
    assert response["Permissions-Policy"] == PERMISSIONS
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # Plain HTTP, as in development and tests: nothing that only makes sense over HTTPS.
    assert "Strict-Transport-Security" not in response


def test_the_policy_is_the_configured_one_and_allows_nothing_inline():
    from django.conf import settings

    assert settings.ORDERLY_CONTENT_SECURITY_POLICY == CSP
    assert "unsafe" not in CSP


def test_a_pdf_is_shown_by_the_browser_s_viewer_without_the_page_policy():
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse(b"%PDF-1.4", content_type="application/pdf"))

    response = middleware(RequestFactory().get("/invoices/INV-000001/pdf/"))

    assert "Content-Security-Policy" not in response
    assert response["Permissions-Policy"] == PERMISSIONS


def test_a_policy_a_view_set_itself_is_kept():
    def view(request):
        response = HttpResponse("<p>hi</p>")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))

    assert response["Content-Security-Policy"] == "default-src 'none'"


# An inline script (a <script> without src, JSON data blocks aside), an event handler attribute, an inline style.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)|\son[a-z]+=|\sstyle=|<style|javascript:")


def test_the_pages_hold_no_inline_script_style_or_event_handler():
    """What the policy refuses must not be in a template to begin with (the browser tests see the pages run)."""
    templates = Path(orderly.web.__file__).parent / "templates"
    offending = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in sorted(templates.rglob("*.html"))
        for match in INLINE.finditer(path.read_text())
    ]

    assert offending == []
    assert INLINE.findall('<script>x()</script><a onclick="x()" style="a">') == ["<script", " onclick=", " style="]
