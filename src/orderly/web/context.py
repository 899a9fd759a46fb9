"""What every page needs to draw its header: the navigation and what the signed-in person may do."""

from django.urls import reverse


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"web_nav": [], "settings_current": False, "can_operate": False, "can_manage": False}
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else ""
    links = [
        ("Orders", reverse("web:order_list"), view_name.startswith("web:order")),
        ("Products", reverse("web:product_list"), view_name.startswith(("web:product", "web:variant"))),
        ("Inventory", reverse("web:inventory"), view_name.startswith("web:inventory")),
        ("Plans", reverse("web:plan_list"), view_name.startswith(("web:plan", "web:packaging", "web:pick"))),
        ("Invoices", reverse("web:invoice_list"), view_name.startswith("web:invoice")),
        ("Channels", reverse("web:channel_list"), view_name.startswith("web:channel")),
    ]
    if user.is_staff:
        links.append(("Admin", reverse("admin:index"), False))
    return {
        "web_nav": [{"label": label, "url": url, "current": current} for label, url, current in links],
        "settings_current": view_name.startswith("web:settings"),
        "can_operate": user.can("operator"),
        "can_manage": user.can("manager"),
    }
