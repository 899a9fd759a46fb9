"""The security headers every answer carries, whatever serves it (a page, the admin, the API, a static file).

Django's own middleware adds X-Content-Type-Options, Referrer-Policy, Cross-Origin-Opener-Policy and X-Frame-Options
(settings SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY, X_FRAME_OPTIONS); this one adds what Django 5.2 has
no setting for: Content-Security-Policy and Permissions-Policy. It sits first in MIDDLEWARE, so that it also sees
the answers WhiteNoise gives for static files, which pass Django's X-Frame-Options middleware by: it adds that too.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Chromium shows a PDF with a built-in viewer that runs inside the PDF's own document, so the document's CSP
# (`object-src 'none'` above all) would keep it from showing. A PDF runs no script of ours; X-Frame-Options still
# keeps it out of other sites' frames.
EXEMPT_FROM_CSP = ("application/pdf",)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.csp = settings.ORDERLY_CONTENT_SECURITY_POLICY
        self.permissions = settings.ORDERLY_PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        content_type = response.get("Content-Type", "").split(";", 1)[0].strip().lower()
        # setdefault: a view that needs a policy of its own sets it, and it is kept.
        if self.csp and content_type not in EXEMPT_FROM_CSP:
            response.headers.setdefault("Content-Security-Policy", self.csp)
        if self.permissions:
            response.headers.setdefault("Permissions-Policy", self.permissions)
        if not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response
