"""Which CloudFormation resource types take tags, and in which property, from the resource
provider schemas that cfn-lint ships (so no test lists resource types by hand)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_SCHEMAS = resources.files("cfnlint") / "data" / "schemas"


@cache
def _provider(region: str) -> dict[str, str]:
    return json.loads((_SCHEMAS / "providers" / f"{region}.json").read_text(encoding="utf-8"))


@cache
def _schema(file_id: str) -> dict[str, Any]:
    return json.loads((_SCHEMAS / "resources" / f"{file_id}.json").read_text(encoding="utf-8"))


def tag_property(resource_type: str, region: str) -> str | None:
    """The property that holds a resource type's tags in ``region``, or None if it takes none.

    Raises KeyError for a type the schemas do not know (a typo, or a cfn-lint too old)."""
    schema = _schema(_provider(region)[resource_type])
    tagging = schema.get("tagging", {})
    if tagging.get("taggable") is False:
        return None
    pointer = tagging.get("tagProperty")
    if pointer:
        return pointer.removeprefix("/properties/")
    return "Tags" if "Tags" in schema.get("properties", {}) else None


def tags_of(resource: dict[str, Any], prop: str) -> dict[str, str]:
    """A resource's tags as a mapping, whether the template writes a list of Key/Value or a map."""
    tags = resource.get("Properties", {}).get(prop)
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    if isinstance(tags, list):
        return {t["Key"]: t["Value"] for t in tags if isinstance(t, dict) and "Key" in t}
    return {}
