"""What every page needs to draw its header: the navigation and what the signed-in person may do."""

import functools

from django.urls import get_script_prefix, get_urlconf, reverse


@functools.cache
def _reverse_once(name: str, script_prefix: str, urlconf) -> str:
    """reverse(name), once per script prefix and URL configuration (which reverse() reads for itself: here they
    only key the cache)."""
    return reverse(name)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"web_nav": [], "settings_current": False, "can_operate": False, "can_manage": False}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    prefix, urlconf = get_script_prefix(), get_urlconf()

    def address(name: str) -> str:
        """The same for every page while the server runs: reversed once, not a dozen times a page."""
        return _reverse_once(name, prefix, urlconf)

    links = [
        ("Today", address("web:home"), view_name == "web:home"),
        ("Orders", address("web:order_list"), view_name.startswith("web:order")),
        ("Products", address("web:product_list"), view_name.startswith(("web:product", "web:variant"))),
        ("Inventory", address("web:inventory"), view_name.startswith("web:inventory")),
        ("Plans", address("web:plan_list"), view_name.startswith(("web:plan", "web:packaging", "web:pick"))),
        ("Roasts", address("web:roast_schedules"), view_name.startswith("web:roast")),
        ("Invoices", address("web:invoice_list"), view_name.startswith("web:invoice")),
        ("Channels", address("web:channel_list"), view_name.startswith("web:channel")),
    ]
    if user.is_staff:
        links.append(("Admin", address("admin:index"), False))
    roasts = [
        ("Schedules", address("web:roast_schedules"), view_name in ("web:roast_schedules", "web:roast_batch")),
        ("Profiles", address("web:roast_profiles"), view_name.startswith(("web:roast_profile", "web:roast_group"))),
        ("Machines", address("web:roast_machines"), view_name.startswith("web:roast_machine")),
        ("Green coffee", address("web:roast_green"), view_name == "web:roast_green"),
    ]
    return {
        "web_nav": [
            {"label": label, "url": url, "current": current, "children": _menu(roasts) if label == "Roasts" else []}
            for label, url, current in links
        ],
        "settings_current": view_name.startswith(("web:settings", "web:carrier", "web:shipping_rule")),
        "can_operate": user.can("operator"),
        "can_manage": user.can("manager"),
    }


def _menu(links) -> list[dict]:
    return [{"label": label, "url": url, "current": current} for label, url, current in links]
