"""The field-by-field spec reference (``docs/spec-reference.md``), generated from the JSON Schema.

One section per model, in the order a reader meets them from the top of a spec, each with
the paths where the model appears and a table of its fields: type, whether it is required
(or its default), and the field's description. ``make schema`` regenerates the file, and a
test keeps it equal to what the models say and fails on a field without a description.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from airlock.spec.schema import json_schema

HEADER = """# Spec reference

Every field of the spec, generated from the models by `make schema` (which also writes
`schema/airlock-spec.schema.json`); do not edit by hand. Unknown keys are errors. A walkthrough
from an empty file is in [first-spec.md](first-spec.md); the commented example is
`examples/landing-zone.yaml`.
"""


def _ref(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return str(ref).rsplit("/", 1)[-1] if ref else None


def anchor(model: str) -> str:
    return model.lower()


def type_of(schema: dict[str, Any]) -> str:
    """A field's type in words: ``list of [Buffer](#buffer)``, ``string (e.g. pattern ...)``."""
    model = _ref(schema)
    if model:
        return f"[{model}](#{anchor(model)})"
    if "anyOf" in schema:
        kinds = [type_of(option) for option in schema["anyOf"] if option.get("type") != "null"]
        nullable = any(option.get("type") == "null" for option in schema["anyOf"])
        return " or ".join(kinds) + (" or null" if nullable else "")
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        values = schema["additionalProperties"]
        return f"map of string to {type_of(values) if isinstance(values, dict) else 'any'}"
    limits = [
        f"{label} {schema[key]}"
        for key, label in (
            ("minimum", "min"),
            ("maximum", "max"),
            ("minLength", "min length"),
            ("maxLength", "max length"),
        )
        if key in schema
    ]
    if "pattern" in schema:
        limits.append(f"pattern `{schema['pattern']}`")
    return str(kind) + (f" ({', '.join(limits)})" if limits else "")


def _children(schema: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field name with a list marker, model) of every field of ``schema`` that holds a model."""
    for name, field in schema.get("properties", {}).items():
        options = [field, field.get("items", {}), field.get("additionalProperties") or {}, *field.get("anyOf", [])]
        options += [option.get("items", {}) for option in field.get("anyOf", [])]
        for option in options:
            model = _ref(option) if isinstance(option, dict) else None
            if model:
                many = field.get("type") == "array" or any(o.get("type") == "array" for o in field.get("anyOf", []))
                yield f"{name}[]" if many else name, model


def walk(schema: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Models in the order a reader meets them, each with the paths it appears at."""
    order: list[str] = ["Spec"]
    paths: dict[str, list[str]] = {"Spec": ["(top level)"]}
    queue = [("Spec", "")]
    defs = schema["$defs"]
    while queue:
        model, path = queue.pop(0)
        node = schema if model == "Spec" else defs[model]
        for field, child in _children(node):
            where = f"{path}.{field}" if path else field
            if child not in paths:
                paths[child] = []
                order.append(child)
                queue.append((child, where))
            if where not in paths[child] and len(paths[child]) < 3:
                paths[child].append(where)
    return [(model, paths[model]) for model in order]


def _default(field: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in field:
        return "optional"
    return f"default `{json.dumps(field['default'])}`"


def undocumented(schema: dict[str, Any] | None = None) -> list[str]:
    """``Model.field`` of every field without a description."""
    schema = schema or json_schema()
    models = {"Spec": schema, **schema["$defs"]}
    return [
        f"{model}.{name}"
        for model, node in models.items()
        for name, field in node.get("properties", {}).items()
        if not str(field.get("description", "")).strip()
    ]


def render_reference(schema: dict[str, Any] | None = None) -> str:
    schema = schema or json_schema()
    defs = schema["$defs"]
    lines = [HEADER]
    for model, paths in walk(schema):
        node = schema if model == "Spec" else defs[model]
        lines += [f"## {model}", ""]
        description = " ".join(str(node.get("description", "")).split())
        if description:
            lines += [description, ""]
        lines += [f"At: {', '.join(f'`{p}`' for p in paths)}", ""]
        lines += ["| field | type | | description |", "|---|---|---|---|"]
        required = set(node.get("required", []))
        for name, field in node.get("properties", {}).items():
            text = " ".join(str(field.get("description", "")).split()).replace("|", "\\|")
            kind = type_of(field).replace("|", "\\|")
            lines.append(f"| `{name}` | {kind} | {_default(field, name in required)} | {text} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
