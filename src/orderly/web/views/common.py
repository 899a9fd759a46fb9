"""Small helpers the views share."""

from django.http import Http404
from django.utils.http import url_has_allowed_host_and_scheme

from orderly.core.actors import Actor
from orderly.core.exceptions import NotFound


def actor(request) -> Actor:
    return Actor.for_user(request.user)


def safe_next(request, default: str) -> str:
    """The `next` the form carried when it points back into this site; `default` otherwise."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def or_404(lookup, *args):
    """Call a selector that raises NotFound, answering 404 instead."""
    try:
        return lookup(*args)
    except NotFound as exc:
        raise Http404(exc.message) from None
