"""Factories for tests: realistic defaults, everything overridable."""

from decimal import Decimal

import factory

from orderly.catalog.models import Product, Variant
from orderly.core.actors import Actor
from orderly.core.models import User
from orderly.core.services import token_create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = "operator"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Blend {n}")
    unit = "kg"


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.LazyAttribute(lambda v: f"{v.product.name} 250 g")
    package_size = Decimal("0.250")
    weight = Decimal("0.270")
    price = Decimal("8.50")
    tax_rate = Decimal("9.00")


def address(**overrides) -> dict:
    data = {
        "name": "Anna de Vries",
        "company": "",
        "line1": "Keizersgracht 12",
        "line2": "",
        "postal_code": "1015 CJ",
        "city": "Amsterdam",
        "region": "",
        "country": "NL",
        "phone": "+31 20 123 4567",
        "email": "anna@example.com",
    }
    data.update(overrides)
    return data


def make_order(*, items=None, actor=None, status="open", customer=None, **kwargs):
    """Create an order through the service, as a person would, with one item of a new variant by default."""
    from orderly.channels.selectors import manual_channel
    from orderly.orders.services import order_create

    if items is None:
        variant = VariantFactory()
        items = [{"sku": variant.sku, "quantity": 2, "unit_price": "8.50", "tax_rate": "9"}]
    kwargs.setdefault("shipping_address", address())
    return order_create(
        channel=kwargs.pop("channel", None) or manual_channel(),
        customer=customer or {"name": "Anna de Vries", "email": "anna@example.com", "type": "retail"},
        items=items,
        status=status,
        actor=actor or Actor.system(),
        **kwargs,
    )


def make_token(user) -> str:
    return token_create(username=user.username)[1]
