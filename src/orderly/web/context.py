"""What every page needs to draw its header: the navigation and what the signed-in person may do."""

from django.urls import reverse


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"web_nav": [], "settings_current": False, "can_operate": False, "can_manage": False}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    links = [
        ("Today", reverse("web:home"), view_name == "web:home"),
        ("Orders", reverse("web:order_list"), view_name.startswith("web:order")),
        ("Products", reverse("web:product_list"), view_name.startswith(("web:product", "web:variant"))),
        ("Inventory", reverse("web:inventory"), view_name.startswith("web:inventory")),
        ("Plans", reverse("web:plan_list"), view_name.startswith(("web:plan", "web:packaging", "web:pick"))),
        ("Roasts", reverse("web:roast_schedules"), view_name.startswith("web:roast")),
        ("Invoices", reverse("web:invoice_list"), view_name.startswith("web:invoice")),
        ("Channels", reverse("web:channel_list"), view_name.startswith("web:channel")),
    ]
    if user.is_staff:
        links.append(("Admin", reverse("admin:index"), False))
    roasts = [
        ("Schedules", reverse("web:roast_schedules"), view_name in ("web:roast_schedules", "web:roast_batch")),
        ("Profiles", reverse("web:roast_profiles"), view_name.startswith(("web:roast_profile", "web:roast_group"))),
        ("Machines", reverse("web:roast_machines"), view_name.startswith("web:roast_machine")),
        ("Green coffee", reverse("web:roast_green"), view_name == "web:roast_green"),
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
