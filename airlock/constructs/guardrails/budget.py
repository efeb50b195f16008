"""Pack SCP statements into as few policies as the Organizations quotas allow.

Pure functions over plain statement dictionaries: no CDK, no AWS. Two quotas bind a
service control policy:

* its size: Organizations counts the characters of the policy document; airlock measures
  the minified JSON it writes (no whitespace), so what is measured is what is stored;
* the attachments per target (root, OU or account): ``FullAWSAccess``, which every target
  keeps while airlock's policies only deny, and SCPs attached outside airlock count too.

Statements are packed first-fit decreasing: the largest statement goes first, into the
first policy with room for it. The result is deterministic for the same input.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

POLICY_VERSION = "2012-10-17"
#: Defaults of the Organizations quotas (characters per SCP, SCPs attached per target).
DEFAULT_MAX_POLICY_CHARACTERS = 5120
DEFAULT_MAX_POLICIES_PER_TARGET = 5

Statement = Mapping[str, Any]


@dataclass(frozen=True)
class ScpQuota:
    """The size and attachment quotas that every packed target must respect."""

    max_policy_characters: int = DEFAULT_MAX_POLICY_CHARACTERS
    max_policies_per_target: int = DEFAULT_MAX_POLICIES_PER_TARGET

    def __post_init__(self) -> None:
        if self.max_policy_characters < len(minify(document([]))):
            raise ValueError(
                f"max_policy_characters {self.max_policy_characters} cannot hold even an empty policy; "
                f"use the Organizations quota ({DEFAULT_MAX_POLICY_CHARACTERS})"
            )
        if self.max_policies_per_target < 1:
            raise ValueError(
                f"max_policies_per_target {self.max_policies_per_target} must be at least 1; "
                f"use the Organizations quota ({DEFAULT_MAX_POLICIES_PER_TARGET})"
            )


@dataclass(frozen=True)
class PackedPolicy:
    """One policy document and its measured size in characters."""

    statements: tuple[Statement, ...]

    @property
    def document(self) -> dict[str, Any]:
        return document(self.statements)

    @property
    def size(self) -> int:
        return len(minify(self.document))

    @property
    def sids(self) -> tuple[str, ...]:
        return tuple(str(s.get("Sid", "?")) for s in self.statements)


class ScpBudgetError(ValueError):
    """The statements of a target do not fit its quotas; the message says what to drop."""


def document(statements: Sequence[Statement]) -> dict[str, Any]:
    return {"Version": POLICY_VERSION, "Statement": [dict(s) for s in statements]}


def minify(value: Any) -> str:
    """The policy text as Organizations stores it: JSON without insignificant whitespace."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def statement_size(statement: Statement) -> int:
    return len(minify(dict(statement)))


def _empty_size() -> int:
    return len(minify(document([])))


def pack(
    target: str,
    statements: Sequence[Statement],
    *,
    quota: ScpQuota = ScpQuota(),
    reserved: Mapping[str, int] | None = None,
    labels: Mapping[str, str] | None = None,
    kind: str = "SCP",
) -> list[PackedPolicy]:
    """Pack ``statements`` for ``target`` into policies within ``quota``.

    ``reserved`` names the other attachments that take slots on the target, with their count
    (e.g. ``{"FullAWSAccess": 1, "external SCPs": 2}``); ``labels`` maps statement ids to
    what a user drops to remove them (e.g. the guardrail's name); ``kind`` names the policy
    type in messages (``SCP`` or ``RCP``). Raises :class:`ScpBudgetError` naming
    the target, each policy's size, the count and what to drop when nothing fits.
    """
    reserved = dict(reserved or {})
    taken = sum(reserved.values())
    slots = quota.max_policies_per_target - taken
    sids = [str(s.get("Sid", "")) for s in statements]
    duplicates = sorted({sid for sid in sids if sids.count(sid) > 1})
    if duplicates:
        raise ScpBudgetError(f"target {target}: statement ids {duplicates} appear twice; give each statement its own")
    if not statements:
        return []
    limit = quota.max_policy_characters
    room = limit - _empty_size()
    sized = sorted(((statement_size(s), str(s.get("Sid", "")), s) for s in statements), key=lambda x: (-x[0], x[1]))
    for size, sid, _ in sized:
        if size > room:
            raise ScpBudgetError(
                f"target {target}: statement {sid} alone makes a policy of {size + _empty_size()} characters, "
                f"above the quota of {limit}; split the guardrail or drop it from this target"
            )
    bins: list[list[tuple[int, str, Statement]]] = []
    used: list[int] = []  # characters of the statements in each bin, with separating commas
    for item in sized:
        size = item[0]
        for index, current in enumerate(used):
            if current + 1 + size <= room:
                bins[index].append(item)
                used[index] = current + 1 + size
                break
        else:
            bins.append([item])
            used.append(size)
    policies = [PackedPolicy(tuple(s for _, _, s in sorted(group, key=lambda x: x[1]))) for group in bins]
    policies.sort(key=lambda p: p.sids)
    if slots < 1 or len(policies) > slots:
        raise ScpBudgetError(_too_many(target, policies, quota, reserved, sized, labels or {}, kind))
    return policies


def _too_many(
    target: str,
    policies: Sequence[PackedPolicy],
    quota: ScpQuota,
    reserved: Mapping[str, int],
    sized: Sequence[tuple[int, str, Statement]],
    labels: Mapping[str, str],
    kind: str = "SCP",
) -> str:
    taken = sum(reserved.values())
    slots = quota.max_policies_per_target - taken
    others = ", ".join(f"{name} ({count})" for name, count in reserved.items() if count) or "none"
    sizes = ", ".join(f"{p.size}" for p in policies)
    total = len(policies) + taken
    if slots < 1:
        what = (
            f"{others} already take all {quota.max_policies_per_target} attachments; "
            f"detach an {kind} attached outside airlock, or raise the attachment quota"
        )
    else:
        # The smallest statements whose removal lets the rest fit the free slots.
        capacity = slots * (quota.max_policy_characters - _empty_size())
        needed = sum(size + 1 for size, _, _ in sized) - capacity
        drop: list[str] = []
        for size, sid, _ in sorted(sized, key=lambda x: (x[0], x[1])):
            if needed <= 0:
                break
            owner = f"{labels[sid]}: " if sid in labels else ""
            drop.append(f"{owner}{sid} ({size} characters)")
            needed -= size + 1
        what = (
            f"drop at least {', '.join(drop)} from this target, detach an {kind} attached outside airlock, "
            "or move guardrails to another target"
        )
    return (
        f"target {target}: the guardrails need {len(policies)} {'policy' if len(policies) == 1 else 'policies'} "
        f"of {sizes} characters "
        f"(quota {quota.max_policy_characters}), and with the other attachments [{others}] that makes "
        f"{total} {kind}s, above the quota of {quota.max_policies_per_target} per target; {what}"
    )
