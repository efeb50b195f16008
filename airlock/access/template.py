"""CloudFormation templates as the access model reads them: intrinsic functions resolved.

A :class:`Resolver` turns a template value into plain JSON for one stack instance (account,
region, parameters): ``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``, ``Fn::Select``,
``Fn::Split``, ``Fn::ImportValue`` (through the exports of the other stacks), ``Fn::If`` with the
template's ``Conditions`` and the pseudo parameters. Attributes come from
:mod:`airlock.access.arns`, which knows how each resource type names itself.

What cannot be known before deployment and is not derivable from the template stays an
:class:`Unresolved` value; a policy that holds one cannot be evaluated and every verdict that
depends on it is undecided.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass(frozen=True)
class Unresolved:
    """A template value the access model cannot know before deployment."""

    what: str

    def __repr__(self) -> str:
        return f"<unresolved {self.what}>"

    def __str__(self) -> str:
        return repr(self)


@dataclass(frozen=True)
class StackTemplate:
    """One stack instance: its template and where it deploys.

    :param name: the stack's artifact id in the assembly (``airlock-crm-eu-central-1``), or for a
        StackSet instance ``<stackset>@<account>/<region>``.
    :param file: the template file in the assembly (for messages).
    :param parameters: values of the template's parameters (defaults filled in by the resolver).
    """

    name: str
    file: str
    account: str
    region: str
    body: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> Mapping[str, Mapping[str, Any]]:
        resources = self.body.get("Resources") or {}
        return resources if isinstance(resources, Mapping) else {}


#: Computes a resource's attributes: (resolver, logical id, resource) -> {"Ref": ..., "Arn": ...}.
AttributeFunction = Callable[["Resolver", str, Mapping[str, Any]], Mapping[str, Any]]


class Resolver:
    """Resolves the intrinsic functions of one stack instance."""

    def __init__(
        self,
        stack: StackTemplate,
        *,
        attributes: AttributeFunction,
        exports: Mapping[str, Any] | None = None,
        stack_name: str | None = None,
    ) -> None:
        self.stack = stack
        self._attributes = attributes
        self._exports = exports or {}
        self._stack_name = stack_name or stack.name
        self._cache: dict[str, Mapping[str, Any]] = {}
        self._busy: set[str] = set()
        self._conditions: dict[str, bool | Unresolved] = {}
        self.parameters = self._parameters()

    # -- pseudo parameters and parameters --------------------------------------------------
    def _parameters(self) -> dict[str, Any]:
        declared = self.stack.body.get("Parameters") or {}
        values: dict[str, Any] = {}
        for name, spec in declared.items():
            if name in self.stack.parameters:
                value: Any = self.stack.parameters[name]
            elif isinstance(spec, Mapping) and "Default" in spec:
                value = spec["Default"]
            else:
                value = Unresolved(f"parameter {name} (no value, no default)")
            listed = isinstance(spec, Mapping) and str(spec.get("Type", "")).startswith(("CommaDelimitedList", "List<"))
            if listed and isinstance(value, str):
                value = [item.strip() for item in value.split(",")] if value else []
            values[name] = value
        return values

    def pseudo(self, name: str) -> Any:
        stack = self.stack
        known: dict[str, Any] = {
            "AWS::AccountId": stack.account,
            "AWS::Region": stack.region,
            "AWS::Partition": "aws-cn" if stack.region.startswith("cn-") else "aws",
            "AWS::URLSuffix": "amazonaws.com.cn" if stack.region.startswith("cn-") else "amazonaws.com",
            "AWS::StackName": self._stack_name,
            "AWS::NoValue": _NO_VALUE,
        }
        if name in known:
            return known[name]
        return Unresolved(name)

    # -- resources ----------------------------------------------------------------------------
    def attributes(self, logical_id: str) -> Mapping[str, Any]:
        """Every attribute of a resource the access model can derive (``Ref`` included)."""
        if logical_id in self._cache:
            return self._cache[logical_id]
        resource = self.stack.resources.get(logical_id)
        if resource is None:
            return {}
        if logical_id in self._busy:  # a cycle through attributes: nothing to derive
            return {}
        self._busy.add(logical_id)
        try:
            values = dict(self._attributes(self, logical_id, resource))
        finally:
            self._busy.discard(logical_id)
        self._cache[logical_id] = values
        return values

    def attribute(self, logical_id: str, name: str) -> Any:
        if logical_id not in self.stack.resources:
            return Unresolved(f"{logical_id}.{name} (no such resource)")
        values = self.attributes(logical_id)
        if name in values:
            return values[name]
        return Unresolved(f"{logical_id}.{name}")

    def property(self, resource: Mapping[str, Any], name: str, default: Any = None) -> Any:
        """A resolved property of a resource (``default`` when absent)."""
        properties = resource.get("Properties") or {}
        if name not in properties:
            return default
        return self.resolve(properties[name])

    # -- conditions ---------------------------------------------------------------------------
    def condition(self, name: str) -> bool | Unresolved:
        if name not in self._conditions:
            definitions = self.stack.body.get("Conditions") or {}
            if name not in definitions:
                self._conditions[name] = Unresolved(f"condition {name}")
            else:
                self._conditions[name] = Unresolved(f"condition {name} (cycle)")
                self._conditions[name] = self._truth(self.resolve(definitions[name]))
        return self._conditions[name]

    def _truth(self, value: Any) -> bool | Unresolved:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        return value if isinstance(value, Unresolved) else Unresolved(f"condition value {value!r}")

    def resource_exists(self, resource: Mapping[str, Any]) -> bool | Unresolved:
        """Whether a resource is part of this stack instance (its ``Condition`` holds)."""
        name = resource.get("Condition")
        return True if name is None else self.condition(str(name))

    # -- values -------------------------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by what it yields, where known."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(self, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def text(self, value: Any) -> str | Unresolved:
        """``value`` resolved to a string, or why it cannot be."""
        resolved = self.resolve(value)
        if isinstance(resolved, str):
            return resolved
        if isinstance(resolved, (int, float)) and not isinstance(resolved, bool):
            return str(resolved)
        return resolved if isinstance(resolved, Unresolved) else Unresolved(f"non-string value {resolved!r}")


_NO_VALUE = Unresolved("AWS::NoValue")


def _ref(resolver: Resolver, name: Any) -> Any:
    if not isinstance(name, str):
        return Unresolved(f"Ref {name!r}")
    if name.startswith("AWS::"):
        return resolver.pseudo(name)
    if name in resolver.parameters:
        return resolver.parameters[name]
    return resolver.attribute(name, "Ref")


def _get_att(resolver: Resolver, argument: Any) -> Any:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    if not isinstance(argument, list) or len(argument) != 2:
        return Unresolved(f"Fn::GetAtt {argument!r}")
    logical_id, name = argument[0], resolver.resolve(argument[1])
    if not isinstance(logical_id, str) or not isinstance(name, str):
        return Unresolved(f"Fn::GetAtt {argument!r}")
    return resolver.attribute(logical_id, name)


def _join(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 2:
        return Unresolved(f"Fn::Join {argument!r}")
    delimiter, items = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    if not isinstance(delimiter, str) or not isinstance(items, list):
        return Unresolved(f"Fn::Join {argument!r}")
    parts = []
    for item in items:
        text = resolver.text(item)
        if isinstance(text, Unresolved):
            return text
        parts.append(text)
    return delimiter.join(parts)


def _sub(resolver: Resolver, argument: Any) -> Any:
    variables: Mapping[str, Any] = {}
    if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], Mapping):
        argument, variables = argument[0], argument[1]
    if not isinstance(argument, str):
        return Unresolved(f"Fn::Sub {argument!r}")
    missing: list[Unresolved] = []

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in variables:
            value = resolver.text(variables[name])
        elif name.startswith("AWS::"):
            value = resolver.text({"Ref": name})
        elif "." in name and name.split(".", 1)[0] in resolver.stack.resources:
            value = resolver.text({"Fn::GetAtt": name.split(".", 1)})
        else:
            value = resolver.text({"Ref": name})
        if isinstance(value, Unresolved):
            missing.append(value)
            return ""
        return value

    text = _SUB_VARIABLE.sub(replace, argument).replace("${!", "${")
    return missing[0] if missing else text


def _select(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 2:
        return Unresolved(f"Fn::Select {argument!r}")
    index, items = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    try:
        return items[int(index)]
    except (TypeError, ValueError, IndexError, KeyError):
        return Unresolved(f"Fn::Select {argument!r}")


def _split(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 2:
        return Unresolved(f"Fn::Split {argument!r}")
    delimiter, text = resolver.resolve(argument[0]), resolver.text(argument[1])
    if not isinstance(delimiter, str) or isinstance(text, Unresolved):
        return Unresolved(f"Fn::Split {argument!r}")
    return text.split(delimiter)


def _import_value(resolver: Resolver, argument: Any) -> Any:
    name = resolver.text(argument)
    if isinstance(name, Unresolved):
        return name
    if name not in resolver._exports:
        return Unresolved(f"Fn::ImportValue {name} (no stack exports it)")
    return resolver._exports[name]


def _if(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 3:
        return Unresolved(f"Fn::If {argument!r}")
    truth = resolver.condition(str(argument[0]))
    if isinstance(truth, Unresolved):
        return truth
    return resolver.resolve(argument[1] if truth else argument[2])


def _equals(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 2:
        return Unresolved(f"Fn::Equals {argument!r}")
    left, right = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    if isinstance(left, Unresolved) or isinstance(right, Unresolved):
        return left if isinstance(left, Unresolved) else right
    return _scalar(left) == _scalar(right)


def _scalar(value: Any) -> Any:
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _logic(combine: Callable[[list[bool]], bool]) -> Callable[[Resolver, Any], Any]:
    def function(resolver: Resolver, argument: Any) -> Any:
        if not isinstance(argument, list):
            return Unresolved(f"condition function {argument!r}")
        values = [resolver._truth(resolver.resolve(item)) for item in argument]
        unknown = [value for value in values if isinstance(value, Unresolved)]
        if unknown:
            return unknown[0]
        return combine([bool(value) for value in values])

    return function


def _condition(resolver: Resolver, argument: Any) -> Any:
    return resolver.condition(str(argument))


def _contains(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 2:
        return Unresolved(f"Fn::Contains {argument!r}")
    items, value = resolver.resolve(argument[0]), resolver.resolve(argument[1])
    if not isinstance(items, list) or isinstance(value, Unresolved):
        return Unresolved(f"Fn::Contains {argument!r}")
    if any(isinstance(item, Unresolved) for item in items):
        return Unresolved(f"Fn::Contains {argument!r}")
    return _scalar(value) in [_scalar(item) for item in items]


def _find_in_map(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) != 3:
        return Unresolved(f"Fn::FindInMap {argument!r}")
    keys = [resolver.text(item) for item in argument]
    unknown = [key for key in keys if isinstance(key, Unresolved)]
    if unknown:
        return unknown[0]
    value: Any = resolver.stack.body.get("Mappings") or {}
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return Unresolved(f"Fn::FindInMap {argument!r}")
        value = value[key]
    return resolver.resolve(value)


def _unsupported(name: str) -> Callable[[Resolver, Any], Any]:
    return lambda _resolver, argument: Unresolved(f"{name} {argument!r}")


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Sub": _sub,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::ImportValue": _import_value,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": _logic(lambda values: not values[0]),
    "Fn::And": _logic(all),
    "Fn::Or": _logic(any),
    "Condition": _condition,
    "Fn::Contains": _contains,
    "Fn::GetAZs": _unsupported("Fn::GetAZs"),
    "Fn::FindInMap": lambda resolver, argument: _find_in_map(resolver, argument),
    "Fn::Base64": lambda resolver, argument: resolver.text(argument),
    "Fn::Cidr": _unsupported("Fn::Cidr"),
}
