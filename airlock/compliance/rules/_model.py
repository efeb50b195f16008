"""The data a rule sees: one CloudFormation resource of a synthesized template, as plain data.

Rules are pure functions over :class:`Resource` (no CDK, no jsii), so they are tested with
plain dictionaries and run the same inside the cdk-nag pack and over template files.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


class Outcome(enum.Enum):
    """What a rule says about one resource."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non-compliant"
    NOT_APPLICABLE = "not applicable"


COMPLIANT = Outcome.COMPLIANT
NON_COMPLIANT = Outcome.NON_COMPLIANT
NOT_APPLICABLE = Outcome.NOT_APPLICABLE


@dataclass(frozen=True)
class Declarations:
    """What the scope of a resource declared about itself (see :mod:`airlock.compliance.declare`)."""

    #: Tag keys every taggable resource in the scope must carry; empty: no tag requirement.
    mandatory_tags: tuple[str, ...] = ()
    #: How egress out of the scope is filtered, if it is; None: no filtered egress declared.
    filtered_egress: str | None = None


@dataclass(frozen=True)
class Resource:
    """One resource of a synthesized template and what surrounds it."""

    logical_id: str
    type: str
    properties: Mapping[str, Any]
    #: Every resource of the same template, by logical id (for rules that look at neighbours).
    template: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: The account the template is deployed to, when it is a literal; None when unknown.
    account: str | None = None
    #: Name of the property that carries the resource's tags; None when the type takes no tags.
    tag_property: str | None = None
    declarations: Declarations = field(default_factory=Declarations)
    path: str = ""

    @classmethod
    def from_template(
        cls,
        template: Mapping[str, Any],
        logical_id: str,
        **kwargs: Any,
    ) -> Resource:
        resources = template.get("Resources", {})
        body = resources[logical_id]
        return cls(
            logical_id=logical_id,
            type=body.get("Type", ""),
            properties=body.get("Properties") or {},
            template=resources,
            **kwargs,
        )

    def neighbours(self, type_: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Other resources of ``type_`` in the same template: (logical id, properties)."""
        for logical_id, body in self.template.items():
            if body.get("Type") == type_ and logical_id != self.logical_id:
                yield logical_id, body.get("Properties") or {}


@dataclass(frozen=True)
class Rule:
    """One AirlockChecks rule: an id, the resource types it looks at, and the check."""

    id: str
    types: frozenset[str]
    check: Callable[[Resource], Outcome]
    info: str
    explanation: str

    def __call__(self, resource: Resource) -> Outcome:
        if ANY_TYPE not in self.types and resource.type not in self.types:
            return NOT_APPLICABLE
        return self.check(resource)


RULES: dict[str, Rule] = {}
#: ``types`` value of a rule that looks at resources of every type.
ANY_TYPE = "*"


def rule(id: str, *, types: Sequence[str], info: str, explanation: str) -> Callable[..., Any]:
    """Register the decorated function as AirlockChecks rule ``Airlock-<id>``."""

    def register(check: Callable[[Resource], Outcome]) -> Callable[[Resource], Outcome]:
        if id in RULES:
            raise ValueError(f"rule id {id} is registered twice")
        RULES[id] = Rule(id=id, types=frozenset(types), check=check, info=info, explanation=explanation)
        return check

    return register


# --- helpers over CloudFormation values ------------------------------------------------------


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether ``value`` is ``{"Ref": id}`` or ``{"Fn::GetAtt": [id, ...]}`` of ``logical_id``."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return False
    if value.get("Ref") == logical_id:
        return True
    get_att = value.get("Fn::GetAtt")
    if isinstance(get_att, list) and get_att and get_att[0] == logical_id:
        return True
    return isinstance(get_att, str) and get_att.split(".", 1)[0] == logical_id


def referenced_id(value: Any) -> str | None:
    """The logical id a Ref/GetAtt points at, else None."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    ref = value.get("Ref")
    if isinstance(ref, str):
        return ref
    get_att = value.get("Fn::GetAtt")
    if isinstance(get_att, list) and get_att:
        return str(get_att[0])
    if isinstance(get_att, str):
        return get_att.split(".", 1)[0]
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(document: Any) -> list[Mapping[str, Any]]:
    """The statements of a policy document (a dict, or a JSON string as some types take)."""
    if isinstance(document, str):
        import json

        try:
            document = json.loads(document)
        except ValueError:
            return []
    if not isinstance(document, Mapping):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def contains(value: Any, predicate: Callable[[Any], bool]) -> bool:
    """Whether ``value`` or anything nested in it satisfies ``predicate``."""
    if predicate(value):
        return True
    if isinstance(value, Mapping):
        return any(contains(v, predicate) for v in value.values())
    if isinstance(value, list):
        return any(contains(v, predicate) for v in value)
    return False


_ACCOUNT_IN_ARN = re.compile(r"^arn:aws[\w-]*:(?:iam|sts)::(\d{12}):(.*)$")
_ACCOUNT = re.compile(r"^\d{12}$")


def principal_account(value: Any, own_account: str | None) -> tuple[str, str]:
    """Classify an AWS principal: ("same" | "other" | "any", what it names).

    A literal account id or ARN names its account; a ``Ref: AWS::AccountId`` or a reference
    to a resource of the same template is the template's own account; ``*`` is anyone; any
    other token is treated as another account, since it cannot be shown to be this one.
    """
    if value == "*":
        return "any", "*"
    if isinstance(value, str):
        match = _ACCOUNT_IN_ARN.match(value)
        account, rest = (match.group(1), match.group(2)) if match else (value, "root")
        if not _ACCOUNT.match(account):
            return "other", value
        kind = "same" if own_account is not None and account == own_account else "other"
        return kind, rest
    if contains(value, lambda v: v == {"Ref": "AWS::AccountId"}) or referenced_id(value):
        return "same", "token"
    return "other", "token"


def principals(statement: Mapping[str, Any], kind: str = "AWS") -> list[Any]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if isinstance(principal, Mapping):
        return as_list(principal.get(kind))
    return []


def condition_keys(statement: Mapping[str, Any]) -> dict[str, tuple[str, Any]]:
    """Condition keys (lower-case) of a statement, with their operator and value."""
    out: dict[str, tuple[str, Any]] = {}
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return out
    for operator, block in condition.items():
        if isinstance(block, Mapping):
            for key, value in block.items():
                out[str(key).lower()] = (str(operator), value)
    return out


def tags_of(resource: Resource) -> dict[str, Any]:
    """Tags of a resource as a dict, whether rendered as a list of Key/Value or as a map."""
    if resource.tag_property is None:
        return {}
    value = resource.properties.get(resource.tag_property)
    if isinstance(value, Mapping):
        return dict(value)
    out = {}
    for item in as_list(value):
        if isinstance(item, Mapping) and "Key" in item:
            out[str(item["Key"])] = item.get("Value")
    return out
