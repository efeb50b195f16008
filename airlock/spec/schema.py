"""The published JSON Schema of the spec (``airlock schema``)."""

from __future__ import annotations

import json
from typing import Any

from airlock.spec.models import Spec

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema() -> dict[str, Any]:
    schema = Spec.model_json_schema()
    return {"$schema": SCHEMA_DIALECT, **schema}


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
