"""The forms of a person's own settings: a new API token, a new password."""

from orderly.core.exceptions import ValidationError
from orderly.web.forms.fields import FormState

# What the token form offers; the services take any number of days from 1 to 3650 (the command and the API do).
EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never (until revoked)")]
DEFAULT_EXPIRY = "90"


def token_form(data=None) -> FormState:
    form = FormState()
    form.add("name", "Name (what it is for)")
    form.add("expires_in_days", "Expires", DEFAULT_EXPIRY)
    if data is not None:
        form.values_from(data)
    return form


def token_input(form: FormState) -> dict:
    """The keyword arguments of token_create; an expiry that is not one of the choices is refused, naming it."""
    expiry = form.value("expires_in_days")
    if expiry not in dict(EXPIRY_CHOICES):
        raise ValidationError("Choose when the token expires from the list.", field="expires_in_days")
    return {"name": form.value("name"), "expires_in_days": int(expiry) if expiry else None}


def password_form(data=None) -> FormState:
    form = FormState()
    form.add("current_password", "Current password")
    form.add("new_password", "New password")
    form.add("new_password_again", "New password again")
    if data is not None:
        # Passwords are taken as typed: spaces at either end are part of them.
        for name, field in form.fields.items():
            field.value = str(data.get(name, ""))
    return form


def password_input(form: FormState) -> dict:
    """The keyword arguments of password_change, once the new password was typed the same twice."""
    if form.value("new_password") != form.value("new_password_again"):
        raise ValidationError("The two new passwords differ; type the same one twice.", field="new_password_again")
    return {"current_password": form.value("current_password"), "new_password": form.value("new_password")}


def forget_passwords(form: FormState) -> None:
    """A page sent back never carries a password in it."""
    for field in form.fields.values():
        field.value = ""
