"""The organization as the assembly declares it: OUs, accounts and the policies attached to them.

Service control policies (and, where the assembly declares them, resource control policies)
apply along the path from the root to the account: a request must be allowed at every level.
``FullAWSAccess`` (and ``RCPFullAWSAccess``) stay attached to every target, because airlock's
policies only deny; levels above the dedicated OU lie outside the assembly and are taken to
hold just those, which each verdict records as an assumption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from airlock.access.model import Policy, PolicyKind, Source, Statement

#: Organizations policy types the access model evaluates, by the kind it gives their statements.
POLICY_KINDS: dict[str, PolicyKind] = {"SERVICE_CONTROL_POLICY": "scp", "RESOURCE_CONTROL_POLICY": "rcp"}


def _full_access(kind: PolicyKind) -> Policy:
    name = "FullAWSAccess" if kind == "scp" else "RCPFullAWSAccess"
    source = Source(kind, name=name)
    statement = Statement(
        "Allow",
        source.statement(0, None),
        actions=("*",),
        resources=("*",),
        principals=(("*", ("*",)),) if kind == "rcp" else None,
    )
    return Policy(source, (statement,))


FULL_ACCESS: dict[PolicyKind, Policy] = {"scp": _full_access("scp"), "rcp": _full_access("rcp")}


@dataclass(frozen=True)
class Level:
    """One level of the path from the root to an account: its id and the policies attached."""

    target: str
    label: str
    policies: tuple[Policy, ...]
    in_assembly: bool = True


@dataclass
class OrganizationModel:
    """OUs, accounts and attachments read from the assembly (and the spec for the root path).

    :param parent_id: the parent of the dedicated OU (``organization.parent_id``: a root or OU id).
    :param ous: OU id -> (name, parent id).
    :param account_parents: account id -> parent OU id.
    :param attachments: (target id, policy kind) -> policies attached there by the assembly.
    :param assumptions: what the model takes for granted (accounts placed by assumption).
    """

    parent_id: str
    ous: dict[str, tuple[str, str]] = field(default_factory=dict)
    account_parents: dict[str, str] = field(default_factory=dict)
    attachments: dict[tuple[str, PolicyKind], list[Policy]] = field(default_factory=dict)
    detached: dict[PolicyKind, dict[str, Policy]] = field(default_factory=dict)
    assumptions: dict[str, str] = field(default_factory=dict)
    _memo: dict[tuple[str, PolicyKind], tuple[tuple[Policy, ...], ...]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def attach(self, target: str, policy: Policy) -> None:
        self._memo.clear()
        self.attachments.setdefault((target, policy.source.kind), []).append(policy)

    def chain(self, account: str) -> list[tuple[str, str, bool]]:
        """(target id, label, in the assembly) from the root down to ``account``."""
        path: list[tuple[str, str, bool]] = [(account, f"account {account}", True)]
        current = self.account_parents.get(account)
        seen: set[str] = set()
        while current is not None and current in self.ous and current not in seen:
            seen.add(current)
            name, parent = self.ous[current]
            path.append((current, f"OU {name}", True))
            current = parent
        if current is not None and current.startswith("ou-"):
            path.append((current, f"OU {current} (outside the assembly)", False))
            path.append(("root", "the root (outside the assembly)", False))
        elif current is not None:
            path.append((current, f"the root {current}", False))
        return list(reversed(path))

    def levels(self, account: str, kind: PolicyKind) -> tuple[Level, ...]:
        """The levels whose ``kind`` policies a request of (or to) ``account`` must pass."""
        out = []
        for target, label, in_assembly in self.chain(account):
            attached = tuple(self.attachments.get((target, kind), ()))
            out.append(Level(target, label, (FULL_ACCESS[kind], *attached), in_assembly))
        return tuple(out)

    def policies(self, account: str, kind: PolicyKind) -> tuple[tuple[Policy, ...], ...]:
        """The policies per level (memoized: the model does not change once read)."""
        key = (account, kind)
        found = self._memo.get(key)
        if found is None:
            found = tuple(level.policies for level in self.levels(account, kind))
            self._memo[key] = found
        return found

    def with_attached(self, account: str, policies: Sequence[Policy]) -> OrganizationModel:
        """A copy with ``policies`` also attached to ``account`` (a what-if, e.g. the kill switch)."""
        attachments = {key: list(value) for key, value in self.attachments.items()}
        for policy in policies:
            attachments.setdefault((account, policy.source.kind), []).append(policy)
        return OrganizationModel(
            self.parent_id, dict(self.ous), dict(self.account_parents), attachments, self.detached, self.assumptions
        )

    def accounts(self) -> Mapping[str, str]:
        return self.account_parents
