"""Every component of the OpenAPI schema has one meaning: no two models (or one model's input and output forms)
share a component name, which ninja would silently merge into whichever it wrote last."""

import json
from collections import defaultdict

import pytest
from ninja.openapi.schema import OpenAPISchema, get_schema

from orderly.api.v1 import api as ninja_api


@pytest.fixture
def definitions(monkeypatch):
    """Every component definition ninja adds while it builds the schema afresh, by name."""
    added = defaultdict(list)
    real = OpenAPISchema.add_schema_definitions

    def record(self, found: dict) -> None:
        for name, definition in found.items():
            added[name].append(json.dumps(definition, sort_keys=True))
        real(self, found)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    get_schema(ninja_api)
    return added


def test_no_two_models_share_a_component_name(definitions):
    merged = {name: len(set(variants)) for name, variants in definitions.items() if len(set(variants)) > 1}

    assert merged == {}
    assert len(definitions) > 100


def test_the_published_schema_has_every_component_it_refers_to():
    schema = ninja_api.get_openapi_schema()
    text = json.dumps(schema)
    refs = {ref.split('"')[0] for ref in text.split('"$ref": "#/components/schemas/')[1:]}

    assert refs - set(schema["components"]["schemas"]) == set()
