"""The API answers as its published OpenAPI schema says: for every operation, requests generated from the schema (a
bounded number per operation: valid ones, valid ones naming things that exist, and invalid ones) get a status the
operation declares, the content type it declares, and a body that validates against the declared schema; never a
server error. (About 55 of the 92 operations succeed on this data; the others answer their declared errors.)

Runs on SQLite and on PostgreSQL (it uses the database). The schema is fetched from the app as a client would.
"""

import datetime as dt
import re

import hypothesis
import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from orderly.api.v1 import api as ninja_api
from orderly.billing.services import invoice_create
from orderly.channels.models import SalesChannel
from orderly.core.actors import Actor
from orderly.core.models import ApiToken
from orderly.plans.services import plan_create
from orderly.shipping.services import fulfillment_create
from tests.shipping.helpers import order_of, receive

# Requests per operation (examples the schema gives, then generated ones): bounded so that the 92 operations take
# well under a minute on two cores.
EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def app():
    """Django's WSGI application, called in the test's own transaction: the per-request closing of database
    connections (which would end that transaction) is off, as Django's test client does it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def existing(variant, users):
    """Path values that name things that exist, by path parameter and the path's first part: an open order with
    stock for it, fulfilled in part and invoiced; another in a fulfillment plan; the Manual channel; a token."""
    system = Actor.system()
    lot = receive(variant.sku, 10)
    order = order_of((variant.sku, 3))
    first_item = order.items.order_by("id").first()
    fulfillment = fulfillment_create(order=order, actor=system, items=[{"item": first_item.id, "quantity": 1}])
    invoice = invoice_create(order=order, actor=system)
    planned = order_of((variant.sku, 2))
    plan = plan_create(orders=[planned.number], fulfillment_date=dt.date(2026, 12, 1), actor=system)
    channel = SalesChannel.objects.order_by("id").first()
    return {
        ("orders", "number"): order.number,
        ("orders", "item"): first_item.id,
        ("products", "product_id"): variant.product_id,
        ("variants", "sku"): variant.sku,
        ("channels", "channel_id"): channel.id,
        ("lots", "number"): lot.number,
        ("fulfillments", "fulfillment"): fulfillment.number,
        ("invoices", "number"): invoice.number,
        ("plans", "number"): plan.number,
        ("plans", "order"): planned.number,
        ("tokens", "prefix"): ApiToken.objects.filter(user=users["admin"]).get().prefix,
    }


def fixed_path_values(path: str, existing: dict) -> dict:
    area = path.removeprefix("/api/v1/").split("/", 1)[0]
    names = re.findall(r"{(\w+)}", path)
    return {name: existing[(area, name)] for name in names if (area, name) in existing}


def test_every_operation_answers_as_its_published_schema_says(app, tokens, existing):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    auth = {"Authorization": f"Bearer {tokens['admin']}"}
    failures = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        fixed = fixed_path_values(operation.path, existing)
        strategy = st.one_of(
            operation.as_strategy(headers=auth),
            operation.as_strategy(headers=auth, path_parameters=fixed),
            operation.as_strategy(GenerationMode.NEGATIVE, headers=auth, path_parameters=fixed),
        )

        @hypothesis.settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
            suppress_health_check=list(hypothesis.HealthCheck),
        )
        @hypothesis.given(case=strategy)
        def conforms(case):
            response = case.call()
            case.validate_response(response, checks=CHECKS)

        try:
            # Each operation starts from the same data: what one deletes or closes, the next still finds.
            with transaction.atomic():
                conforms()
                transaction.set_rollback(True)
        except (Exception, BaseExceptionGroup) as failure:
            failures[operation.label] = str(failure)[:2000]

    assert operations == sum(len(methods) for methods in ninja_api.get_openapi_schema()["paths"].values()) > 80
    assert failures == {}
