from django.contrib import admin

from orderly.orders.models import Order, OrderEvent, OrderItem


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ("line_no", "sku", "name", "quantity", "unit_price", "tax_rate", "discount", "status")
    readonly_fields = fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Read-mostly: changes go through the order pages so that they reach the timeline."""

    list_display = ("number", "channel", "external_ref", "customer_name", "status", "stage", "total", "order_date")
    list_filter = ("status", "stage", "is_archived", "channel")
    search_fields = ("number", "external_ref", "customer_name", "customer_email")
    readonly_fields = [f.name for f in Order._meta.fields]
    inlines = [OrderItemInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ("order", "created_at", "kind", "actor_name", "message")
    list_filter = ("kind", "actor_kind")
    readonly_fields = [f.name for f in OrderEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
