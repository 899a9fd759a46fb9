"""The e-mails' templates: the defaults shipped in code, the context they are given, and a sandboxed renderer.

A template is Django template text rendered by an engine of its own: no template files, no tag libraries but
sandbox_library's, no autoescaping (the e-mails are plain text), and a context of plain values only (strings,
numbers, a list of dicts), so nothing in a template can reach a model, a setting or a file. A template is checked
when saved (checked_template): it must compile, render with the sample context, name only the context's
variables, nest loops at most two deep, and render to a bounded size; a refusal names the part and its line.
"""

from dataclasses import dataclass

from django.template import Context, Engine, TemplateSyntaxError
from django.template.defaulttags import ForNode

from orderly.core.error_codes import ErrorCode
from orderly.core.exceptions import ValidationError
from orderly.notifications.status import EmailKind

MAX_SUBJECT_TEMPLATE = 200
MAX_BODY_TEMPLATE = 20_000
MAX_SUBJECT = 200
MAX_BODY = 100_000
MAX_LOOP_DEPTH = 2
LIBRARY = "orderly.notifications.sandbox_library"

# The context every template gets, with what each holds (shown beside the editor and in the API).
VARIABLES = {
    "order_number": "The order's number as the customer knows it (the shop's, else Orderly's)",
    "customer_name": "The customer's name",
    "carrier": "The carrier's name (may be empty)",
    "tracking_number": "The parcel's tracking number (may be empty)",
    "tracking_link": "The link to follow the parcel at the carrier (may be empty)",
    "items": "The parcel's items: each with name, sku and quantity",
    "shop_name": "Your business's name (as on the invoices)",
}

DEFAULTS: dict[str, tuple[str, str]] = {
    EmailKind.SHIPPED: (
        "Your order {{ order_number }} is on its way",
        "Hello {{ customer_name }},\n\n"
        "Your order {{ order_number }} has shipped{% if carrier %} with {{ carrier }}{% endif %}. In the parcel:\n\n"
        "{% for item in items %}  {{ item.quantity }} × {{ item.name }}\n{% endfor %}\n"
        "{% if tracking_number %}Tracking number: {{ tracking_number }}\n{% endif %}"
        "{% if tracking_link %}Follow your parcel: {{ tracking_link }}\n{% endif %}\n"
        "Kind regards,\n{{ shop_name }}\n",
    ),
    EmailKind.DELIVERED: (
        "Your order {{ order_number }} has been delivered",
        "Hello {{ customer_name }},\n\n"
        "{% if carrier %}{{ carrier }} reports{% else %}The carrier reports{% endif %} that your order "
        "{{ order_number }} has been delivered{% if tracking_number %} (tracking number {{ tracking_number }})"
        "{% endif %}. We hope you enjoy it.\n\n"
        "Kind regards,\n{{ shop_name }}\n",
    ),
}


class SandboxEngine(Engine):
    """An engine whose only built-in tags and filters are the sandbox library's (Django adds its default tags,
    {% load %} and {% include %} among them, to every Engine otherwise)."""

    default_builtins = []


_INVALID = "\x00unknown:%s\x00"
_engine = SandboxEngine(dirs=[], app_dirs=False, libraries={}, builtins=[LIBRARY], autoescape=False, debug=True)
_checking_engine = SandboxEngine(
    dirs=[], app_dirs=False, libraries={}, builtins=[LIBRARY], autoescape=False, debug=True, string_if_invalid=_INVALID
)


def sample_context(shop_name: str = "Orderly Demo Roasters B.V.") -> dict:
    """What a template is checked and previewed with: every variable, filled in."""
    return {
        "order_number": "1001",
        "customer_name": "Anna de Vries",
        "carrier": "PostNL",
        "tracking_number": "3SABC1234567",
        "tracking_link": "https://tracking.example.com/3SABC1234567",
        "items": [
            {"name": "Espresso blend 250 g", "sku": "ESP-250", "quantity": 2},
            {"name": "Decaf 250 g", "sku": "DEC-250", "quantity": 1},
        ],
        "shop_name": shop_name,
    }


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


class TemplateRefused(ValidationError):
    """A template that cannot be used: `part` (subject or body), its `line` (1 = the first), and why."""

    code = ErrorCode.TEMPLATE_INVALID

    def __init__(self, *, part: str, line: int | None, reason: str):
        where = f"{part}, line {line}" if line else part
        super().__init__(f"The {where} cannot be used: {reason}", field=part, part=part, line=line, reason=reason)


def _line_of(exc: Exception) -> int | None:
    info = getattr(exc, "template_debug", None)
    return info.get("line") if isinstance(info, dict) else None


def _loop_depth(nodelist, depth: int = 0) -> int:
    deepest = depth
    for node in nodelist:
        inner = depth + 1 if isinstance(node, ForNode) else depth
        deepest = max(deepest, inner)
        for attribute in node.child_nodelists:
            child = getattr(node, attribute, None)
            if child:
                deepest = max(deepest, _loop_depth(child, inner))
        for _condition, child in getattr(node, "conditions_nodelists", []):  # {% if %} … {% elif %} … {% else %}
            deepest = max(deepest, _loop_depth(child, inner))
    return deepest


def _compile(engine: Engine, part: str, source: str):
    try:
        template = engine.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateRefused(part=part, line=_line_of(exc), reason=str(exc)) from None
    if _loop_depth(template.nodelist) > MAX_LOOP_DEPTH:
        reason = f"loops are nested more than {MAX_LOOP_DEPTH} deep."
        raise TemplateRefused(part=part, line=None, reason=reason)
    return template


def _render(engine: Engine, part: str, source: str, context: dict, limit: int) -> str:
    template = _compile(engine, part, source)
    try:
        text = template.render(Context(context, autoescape=False))
    except Exception as exc:  # a filter fed a value it cannot take: whatever it raised, the template is at fault
        raise TemplateRefused(part=part, line=_line_of(exc), reason=f"{exc.__class__.__name__}: {exc}") from None
    if len(text) > limit:
        raise TemplateRefused(part=part, line=None, reason=f"it renders to more than {limit} characters.")
    return text


def _unknown_variable(part: str, source: str, text: str) -> None:
    start = text.find("\x00unknown:")
    if start < 0:
        return
    name = text[start + len("\x00unknown:") : text.find("\x00", start + 1)]
    line = next((number for number, row in enumerate(source.splitlines(), 1) if name in row), None)
    known = ", ".join(VARIABLES)
    raise TemplateRefused(part=part, line=line, reason=f"{{{{ {name} }}}} is not a variable here; use {known}.")


def _subject_line(text: str) -> str:
    return " ".join(text.split())[:MAX_SUBJECT]


def checked_template(*, subject: str, body: str, shop_name: str) -> Rendered:
    """The template rendered with the sample context, or TemplateRefused (422) naming the part and line at fault."""
    for part, value, limit in (("subject", subject, MAX_SUBJECT_TEMPLATE), ("body", body, MAX_BODY_TEMPLATE)):
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{part} is required.", code=ErrorCode.REQUIRED, field=part)
        if len(value) > limit:
            raise ValidationError(f"{part} is longer than {limit} characters.", field=part)
        if "\x00" in value:
            raise ValidationError(f"{part} holds a NUL character.", field=part)
    context = sample_context(shop_name)
    rendered_subject = _render(_checking_engine, "subject", subject, context, MAX_BODY)
    _unknown_variable("subject", subject, rendered_subject)
    rendered_body = _render(_checking_engine, "body", body, context, MAX_BODY)
    _unknown_variable("body", body, rendered_body)
    if not _subject_line(rendered_subject):
        raise TemplateRefused(part="subject", line=1, reason="it renders to an empty subject.")
    return Rendered(subject=_subject_line(rendered_subject), body=rendered_body)


def render(*, subject: str, body: str, context: dict) -> Rendered:
    """The e-mail of a real order. Raises TemplateRefused when the template fails with this order's values."""
    rendered_subject = _subject_line(_render(_engine, "subject", subject, context, MAX_BODY))
    if not rendered_subject:
        raise TemplateRefused(part="subject", line=1, reason="it renders to an empty subject.")
    return Rendered(subject=rendered_subject, body=_render(_engine, "body", body, context, MAX_BODY))
