from django.contrib.auth import views as auth_views
from django.urls import path, re_path, register_converter
from django.views.generic import RedirectView

from orderly.core.forms import LoginForm
from orderly.web.views import (
    batches,
    billing,
    carriers,
    channel_logs,
    channels,
    home,
    inventory,
    notifications,
    order_bulk,
    order_forms,
    orders,
    plans,
    products,
    roast_schedules,
    roasts,
    settings,
    shipping,
)


class IdConverter:
    """A database id: digits that fit a 64-bit column, so a huge number is a 404, not a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="web/auth/login.html", authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/", settings.settings_home, name="settings"),
    path("settings/tokens/", settings.tokens, name="settings_tokens"),
    path("settings/tokens/<str:prefix>/revoke/", settings.token_revoke_view, name="settings_token_revoke"),
    path("settings/password/", settings.password, name="settings_password"),
    path("settings/display/", settings.display, name="settings_display"),
    path("settings/label-printer/", carriers.label_printer, name="settings_label_printer"),
    path("settings/carriers/", carriers.carrier_list, name="carrier_list"),
    path("settings/carriers/new/", carriers.carrier_new, name="carrier_new"),
    path("settings/carriers/<id:carrier_id>/edit/", carriers.carrier_edit, name="carrier_edit"),
    path("settings/carriers/rules/", carriers.rule_add, name="shipping_rule_add"),
    path("settings/carriers/rules/<id:rule_id>/delete/", carriers.rule_delete, name="shipping_rule_delete"),
    path("settings/carriers/packaging/", carriers.packaging_set, name="carrier_packaging"),
    path("orders/<str:number>/labels/", carriers.order_labels_book, name="order_labels_book"),
    path("fulfillments/<str:reference>/label/", carriers.label_book_view, name="fulfillment_label_book"),
    path("fulfillments/<str:reference>/label/download/", carriers.label_download, name="fulfillment_label"),
    path("fulfillments/<str:reference>/label/void/", carriers.label_void_view, name="fulfillment_label_void"),
    path("orders/", orders.order_list, name="order_list"),
    path("orders/bulk/", order_bulk.order_bulk, name="order_bulk"),
    path("orders/columns/", order_bulk.order_columns, name="order_columns"),
    path("orders/batches/", batches.batch_list, name="order_batch_list"),
    path("orders/batches/process/", batches.batch_create, name="order_batch_create"),
    path("orders/batches/<str:number>/", batches.batch_detail, name="order_batch_detail"),
    path("orders/batches/<str:number>/progress/", batches.batch_progress, name="order_batch_progress"),
    path("orders/batches/<str:number>/reprocess/", batches.batch_reprocess_view, name="order_batch_reprocess"),
    path("orders/batches/<str:number>/resume/", batches.batch_resume_view, name="order_batch_resume"),
    path("orders/batches/<str:number>/pick-pack.pdf", batches.batch_pick_pack, name="order_batch_pick_pack"),
    path("orders/batches/<str:number>/labels/", batches.batch_labels, name="order_batch_labels"),
    path(
        "orders/batches/<str:number>/orders/<str:order>/remove/",
        batches.batch_order_remove,
        name="order_batch_remove",
    ),
    path(
        "orders/batches/<str:number>/orders/<str:order>/synchronize/",
        batches.batch_order_synchronize,
        name="order_batch_synchronize",
    ),
    path("orders/new/", order_forms.order_new, name="order_new"),
    path("orders/<str:number>/", orders.order_detail, name="order_detail"),
    path("orders/<str:number>/edit/", order_forms.order_edit, name="order_edit"),
    path("orders/<str:number>/delete/", orders.order_delete_view, name="order_delete"),
    path("orders/<str:number>/notes/", orders.order_note_add_view, name="order_note_add"),
    path("orders/<str:number>/items/<id:item_id>/trace/", roasts.item_trace_view, name="order_item_trace"),
    re_path(
        r"^orders/(?P<number>[^/]+)/(?P<action>open|cancel|archive|unarchive|reset)/$",
        orders.order_action,
        name="order_action",
    ),
    path("products/", products.product_list_view, name="product_list"),
    path("products/new/", products.product_new, name="product_new"),
    path("products/<id:product_id>/", products.product_detail, name="product_detail"),
    path("products/<id:product_id>/edit/", products.product_edit, name="product_edit"),
    path("products/<id:product_id>/variants/new/", products.variant_new, name="variant_new"),
    path("products/<id:product_id>/activate/", products.product_set_active, {"active": True}, name="product_activate"),
    path(
        "products/<id:product_id>/deactivate/",
        products.product_set_active,
        {"active": False},
        name="product_deactivate",
    ),
    path("inventory/", inventory.stock_overview, name="inventory"),
    path("inventory/lots/", inventory.lot_list, name="inventory_lots"),
    path("inventory/lots/<str:number>/trace/", roasts.lot_trace_view, name="inventory_lot_trace"),
    path("inventory/ledger/", inventory.ledger, name="inventory_ledger"),
    path("inventory/receive/", inventory.receive, name="inventory_receive"),
    path("inventory/adjust/", inventory.adjust, name="inventory_adjust"),
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_new, name="plan_new"),
    path("plans/<str:number>/", plans.plan_detail, name="plan_detail"),
    path("plans/<str:number>/orders/", plans.plan_orders_add, name="plan_orders_add"),
    path("plans/<str:number>/orders/<str:order>/remove/", plans.plan_order_remove, name="plan_order_remove"),
    path("plans/<str:number>/cancel/", plans.plan_cancel_view, name="plan_cancel"),
    path("plans/<str:number>/allocation/", plans.plan_allocation, name="plan_allocation"),
    path("plans/<str:number>/packaging-plans/", plans.plan_packaging, name="plan_packaging"),
    path("plans/<str:number>/pick-list/", plans.plan_pick_list, name="plan_pick_list"),
    path("plans/<str:number>/roast-schedules/", roast_schedules.plan_roasts, name="plan_roasts"),
    path("plans/<str:number>/order-conversion/", roast_schedules.plan_conversion, name="plan_conversion"),
    path(
        "plans/<str:number>/order-conversion/<id:product_id>/",
        roast_schedules.plan_conversion_row,
        name="plan_conversion_row",
    ),
    re_path(
        r"^plans/(?P<number>[^/]+)/pick-list/(?P<order>[^/]+)/(?P<action>complete|return)/$",
        plans.pick_action,
        name="pick_action",
    ),
    path("packaging-plans/<str:number>/edit/", plans.packaging_edit, name="packaging_edit"),
    path(
        "packaging-plans/<str:number>/execute/",
        plans.packaging_action,
        {"action": "execute"},
        name="packaging_execute",
    ),
    path(
        "packaging-plans/<str:number>/archive/",
        plans.packaging_action,
        {"action": "archive"},
        name="packaging_archive",
    ),
    path("variants/<path:sku>/edit/", products.variant_edit, name="variant_edit"),
    path("variants/<path:sku>/activate/", products.variant_set_active, {"active": True}, name="variant_activate"),
    path("variants/<path:sku>/deactivate/", products.variant_set_active, {"active": False}, name="variant_deactivate"),
    path("channels/", channels.channel_list_view, name="channel_list"),
    path("channels/new/", channels.channel_new, name="channel_new"),
    path("channels/sync/", channels.channel_sync_all, name="channel_sync_all"),
    path("channels/syncs/", channel_logs.sync_log, name="channel_sync_log"),
    path("channels/pushes/", channel_logs.push_list, name="channel_push_list"),
    path("channels/<id:channel_id>/", channels.channel_detail, name="channel_detail"),
    path("channels/<id:channel_id>/edit/", channels.channel_edit, name="channel_edit"),
    path("channels/<id:channel_id>/enable/", channels.channel_set_enabled, {"enabled": True}, name="channel_enable"),
    path("channels/<id:channel_id>/disable/", channels.channel_set_enabled, {"enabled": False}, name="channel_disable"),
    path("channels/<id:channel_id>/sync/", channels.channel_sync, name="channel_sync"),
    path("channels/<id:channel_id>/mappings/", channels.channel_mappings, name="channel_mappings"),
    path("channels/<id:channel_id>/mappings/delete/", channels.channel_mapping_delete, name="channel_mapping_delete"),
    path("channels/<id:channel_id>/import/", channels.channel_import, name="channel_import"),
    path(
        "channels/<id:channel_id>/pushes/<id:message_id>/retry/",
        channels.channel_push_retry,
        name="channel_push_retry",
    ),
    path("orders/<str:number>/synchronize/", channels.order_synchronize, name="order_synchronize"),
]

urlpatterns += [
    path("roasts/", RedirectView.as_view(pattern_name="web:roast_schedules"), name="roasts"),
    path("roasts/schedules/", roast_schedules.schedule_list, name="roast_schedules"),
    path("roasts/batches/<str:number>/", roast_schedules.batch_detail, name="roast_batch"),
    path("roasts/batches/<str:number>/complete/", roast_schedules.batch_complete, name="roast_batch_complete"),
    path("roasts/batches/<str:number>/cancel/", roast_schedules.batch_cancel, name="roast_batch_cancel"),
    path("roasts/batches/<str:number>/edit/", roast_schedules.batch_edit, name="roast_batch_edit"),
    path("roasts/machines/", roasts.machine_list, name="roast_machines"),
    path("roasts/machines/new/", roasts.machine_new, name="roast_machine_new"),
    path("roasts/machines/<id:machine_id>/edit/", roasts.machine_edit, name="roast_machine_edit"),
    path("roasts/profiles/", roasts.profile_list, name="roast_profiles"),
    path("roasts/profiles/new/", roasts.profile_new, name="roast_profile_new"),
    path("roasts/profiles/<id:profile_id>/edit/", roasts.profile_edit, name="roast_profile_edit"),
    path("roasts/profile-groups/new/", roasts.group_new, name="roast_group_new"),
    path("roasts/profile-groups/<id:group_id>/edit/", roasts.group_edit, name="roast_group_edit"),
    path("roasts/green-coffee/", roasts.green_list, name="roast_green"),
]

urlpatterns += [
    path("settings/emails/", notifications.emails_settings, name="settings_emails"),
    path("settings/emails/log/", notifications.email_log, name="settings_email_log"),
    path("settings/emails/log/<id:email_id>/resend/", notifications.email_resend_view, name="settings_email_resend"),
    path(
        "settings/emails/channels/<id:channel_id>/", notifications.channel_emails_switch, name="settings_email_switch"
    ),
    path("settings/emails/templates/<str:kind>/", notifications.email_template_edit, name="settings_email_template"),
    path(
        "settings/emails/templates/<str:kind>/reset/",
        notifications.email_template_reset_view,
        name="settings_email_reset",
    ),
]

urlpatterns += shipping.urlpatterns + billing.urlpatterns
