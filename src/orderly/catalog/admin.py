from django.contrib import admin

from orderly.catalog.models import Product, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "is_active")
    search_fields = ("name", "variants__sku")
    inlines = [VariantInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ("sku", "name", "product", "package_size", "is_active")
    search_fields = ("sku", "name")
