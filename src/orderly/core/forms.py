"""The login forms of the web pages and of Django's admin, throttled (orderly.core.throttle).

A failed login costs the same work as a successful one: Django's ModelBackend runs the password hasher once for a
username that does not exist as for one that does, and the count of failures is one small write either way.
"""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from orderly.core.throttle import client_address, login_failed, login_lockout, login_succeeded


class ThrottledLoginMixin:
    """Refuse a login while its account or address is locked out, and count the ones that fail."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # the fields' own "required" errors; nothing was tried
        address = client_address(self.request)
        lockout = login_lockout(username=username, address=address)
        if lockout is not None:
            raise forms.ValidationError(lockout.message(), code="throttled")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            # No user: the username or password was wrong. A user refused for another reason (inactive, not staff
            # at the admin) knew the password, which is not guessing.
            if self.user_cache is None:
                login_failed(username=username, address=address)
            raise
        login_succeeded(username=username)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The web pages' login."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login (staff only)."""
