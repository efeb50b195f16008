"""Cross-field checks of the organization layer (called from :mod:`airlock.spec.checks`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from airlock.spec.errors import Loc, SpecIssue, format_path
from airlock.spec.models import Integration, Organization
from airlock.spec.organization import MAX_OU_DEPTH, SubOu

Indexed = Sequence[tuple[int, Integration]]

_ROLE_PATTERN = re.compile(r"^arn:aws[a-z-]*:iam::(?P<account>\d{12}|\*):role/(?P<name>[\w+=,.@/*?-]+)$")


def organization_checks(org: Organization, integrations: Indexed) -> list[SpecIssue]:
    issues = [*_role_patterns(org), *_ou_tree(org)]
    ous = {name: chain for name, chain, _ in walk_ous(org)}
    for index, integration in integrations:
        issues.extend(_integration_placement(org, ous, index, integration))
    names = {integration.name for _, integration in integrations}
    for position, external in enumerate(org.guardrails.external_scps):
        base: Loc = ("organization", "guardrails", "external_scps", position)
        for i, ou in enumerate(external.ous):
            if ou not in ous:
                issues.append(
                    SpecIssue((*base, "ous", i), f"'{ou}' is not an OU of the spec; use one of {sorted(ous)}")
                )
        for i, name in enumerate(external.integrations):
            if name not in names:
                issues.append(
                    SpecIssue(
                        (*base, "integrations", i),
                        f"'{name}' is not an integration of the spec; use one of {sorted(names)}",
                    )
                )
    for i, name in enumerate(org.layout.kept_in_organization_stack):
        if name not in names:
            issues.append(
                SpecIssue(
                    ("organization", "layout", "kept_in_organization_stack", i),
                    f"'{name}' is not an integration of the spec; remove it from the list (its account, if "
                    f"airlock created one, is retained in the organization) or use one of {sorted(names)}",
                )
            )
    return issues


def home_region_allowed(org: Organization | None, _integrations: Indexed) -> list[SpecIssue]:
    """The organization stack's region is one the organization allows."""
    if org is None or org.home_region in org.allowed_regions:
        return []
    return [
        SpecIssue(
            ("organization", "home_region"),
            f"'{org.home_region}' is not in allowed_regions {list(org.allowed_regions)}; add it to "
            "allowed_regions or choose one of them",
        )
    ]


def walk_ous(org: Organization) -> Iterator[tuple[str, tuple[str, ...], Loc]]:
    """Every OU of the tree: (name, names from the dedicated OU down to it, spec location)."""
    yield org.ou_name, (org.ou_name,), ("organization", "ou_name")

    def below(ous: Sequence[SubOu], chain: tuple[str, ...], loc: Loc) -> Iterator[tuple[str, tuple[str, ...], Loc]]:
        for position, ou in enumerate(ous):
            here = (*loc, "ous", position)
            yield ou.name, (*chain, ou.name), here
            yield from below(ou.ous, (*chain, ou.name), here)

    yield from below(org.ous, (org.ou_name,), ("organization",))


def sub_ou(org: Organization, chain: Sequence[str]) -> SubOu | None:
    """The sub-OU at the end of ``chain`` (None for the dedicated OU itself)."""
    ous, found = org.ous, None
    for name in chain[1:]:
        found = next(ou for ou in ous if ou.name == name)
        ous = found.ous
    return found


def _role_patterns(org: Organization) -> list[SpecIssue]:
    issues = []
    for field in ("deployment_role_pattern", "break_glass_role"):
        value = getattr(org, field)
        loc: Loc = ("organization", field)
        match = _ROLE_PATTERN.match(value)
        if match is None:
            issues.append(
                SpecIssue(
                    loc,
                    f"'{value}' is not an IAM role ARN pattern; write 'arn:aws:iam::<account id or *>:role/<name>', "
                    "e.g. 'arn:aws:iam::*:role/cdk-hnb659fds-*'",
                )
            )
        elif not re.sub(r"[*?/]", "", match.group("name")):
            issues.append(
                SpecIssue(
                    loc,
                    f"'{value}' matches every role, so every guardrail would exempt everyone; name the roles, "
                    "e.g. 'arn:aws:iam::*:role/cdk-hnb659fds-*'",
                )
            )
        elif (
            field == "break_glass_role" and org.bootstrap.break_glass.create and re.search(r"[*?]", match.group("name"))
        ):
            issues.append(
                SpecIssue(
                    loc,
                    f"'{value}' names no single role, and the organization stack creates the break-glass role in every "
                    "account; name it literally, e.g. 'arn:aws:iam::*:role/airlock-break-glass' (or set "
                    "organization.bootstrap.break_glass.create: false if your own StackSet creates it)",
                )
            )
    return issues


def _ou_tree(org: Organization) -> list[SpecIssue]:
    issues = []
    # The dedicated OU is level 1 below the root; below an OU it is at least level 2.
    offset = 0 if org.parent_id.startswith("r-") else 1
    seen: dict[str, Loc] = {}
    for name, chain, loc in walk_ous(org):
        depth = len(chain) + offset
        if depth > MAX_OU_DEPTH:
            where = "the root" if offset == 0 else f"OU {org.parent_id} (counted as level 1 at least)"
            issues.append(
                SpecIssue(
                    loc,
                    f"OU '{name}' ({' / '.join(chain)}) would be at level {depth} below {where}; AWS Organizations "
                    f"nests OUs at most {MAX_OU_DEPTH} levels deep, so flatten the tree",
                )
            )
        if name in seen:
            issues.append(
                SpecIssue(
                    (*loc, "name") if loc[-1] != "ou_name" else loc,
                    f"OU name '{name}' is already used (at {format_path(seen[name])}); give each OU its own name, "
                    "integrations refer to OUs by name",
                )
            )
        else:
            seen[name] = loc
    return issues


def _integration_placement(
    org: Organization, ous: dict[str, tuple[str, ...]], index: int, integration: Integration
) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    base: Loc = ("integrations", index)
    chain: tuple[str, ...] = (org.ou_name,)
    if integration.ou is not None:
        if integration.ou not in ous:
            issues.append(
                SpecIssue((*base, "ou"), f"'{integration.ou}' is not an OU of the spec; use one of {sorted(ous)}")
            )
            return issues
        chain = ous[integration.ou]
    if integration.network is not None and integration.network.egress is not None:
        inherited = set(org.guardrails.ou)
        for end in range(2, len(chain) + 1):
            found = sub_ou(org, chain[:end])
            inherited |= set(found.guardrails if found else ())
        if "deny-internet-gateway" in inherited:
            issues.append(
                SpecIssue(
                    (*base, "network", "egress"),
                    f"the integration declares filtered egress, but its OU chain {' / '.join(chain)} attaches "
                    "deny-internet-gateway, which no account below can be exempted from, so its internet gateway "
                    "could never be deployed; attach deny-internet-gateway to the integrations instead of the OU",
                )
            )
    return issues
