"""The merchant's templates: saved only once they render; the defaults in code stand in until then."""

from django.db import transaction
from django.utils import timezone

from orderly.billing.seller import seller_details
from orderly.core.actors import Actor
from orderly.core.retry import retry_on_conflict
from orderly.notifications.models import EmailTemplate
from orderly.notifications.selectors import template_kind
from orderly.notifications.templates import checked_template


@retry_on_conflict
@transaction.atomic
def email_template_save(*, kind: str, subject: str, body: str, actor: Actor) -> EmailTemplate:
    """Save the subject and body of one kind of e-mail. Needs a known kind (NotFound) and a template that renders
    with the sample context (TemplateRefused, 422, naming the part and line; nothing saved). Applies to e-mails
    queued from then on."""
    kind = template_kind(kind)
    checked_template(subject=subject, body=body, shop_name=seller_details()["name"])
    template, _ = EmailTemplate.objects.update_or_create(
        kind=kind,
        defaults={"subject": subject, "body": body, "updated_at": timezone.now(), "updated_by": actor.name[:150]},
    )
    return template


@retry_on_conflict
@transaction.atomic
def email_template_reset(*, kind: str, actor: Actor) -> None:
    """Use the default shipped in code for this kind again (the merchant's text is dropped)."""
    EmailTemplate.objects.filter(kind=template_kind(kind)).delete()
