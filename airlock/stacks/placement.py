"""Region-independent resources: once per account, in the integration's home-region stack.

:attr:`IntegrationStack.is_home_region` tells a stack whether it is the one that creates
them. :func:`duplicated_global_resources` checks a synthesized assembly: no account may get
a region-independent resource from two of its stacks, and no IAM name may be declared twice
in one account (IAM is global, so a second region's stack would fail on the name).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Resource types that exist once per account, whatever the region. AppRegistry is not one:
#: its applications are regional (a name is unique per region) and a stack can only be
#: associated with an application of its own region, so each regional stack registers itself.
REGION_INDEPENDENT_TYPES: frozenset[str] = frozenset(
    {
        "AWS::Budgets::Budget",
        "AWS::Budgets::BudgetsAction",
        "AWS::CE::AnomalyMonitor",
        "AWS::CE::AnomalySubscription",
        "AWS::CE::CostCategory",
        "AWS::Organizations::Account",
        "AWS::Organizations::OrganizationalUnit",
        "AWS::Organizations::Policy",
        "AWS::SupportApp::AccountAlias",
    }
)

#: IAM types whose name is unique per account, and the property that names them.
IAM_NAME_PROPERTY: Mapping[str, str] = {
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::InstanceProfile": "InstanceProfileName",
}


@dataclass(frozen=True)
class StackTemplate:
    name: str
    account: str
    template: Mapping[str, Any]
    #: The stack's region; None counts as a region of its own.
    region: str | None = None


def duplicated_global_resources(stacks: Iterable[StackTemplate]) -> list[str]:
    """One message per account that would get a region-independent resource twice: from
    stacks in two regions (stacks of one region, like the organization layer's stacks in
    the management account's home region, each create their own)."""
    global_types: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    regions: dict[str, set[str]] = defaultdict(set)
    iam_names: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for stack in stacks:
        for resource in stack.template.get("Resources", {}).values():
            kind = resource.get("Type", "")
            if kind in REGION_INDEPENDENT_TYPES:
                global_types[stack.account][stack.name].add(kind)
                regions[stack.account].add(stack.region or f"stack:{stack.name}")
            name = resource.get("Properties", {}).get(IAM_NAME_PROPERTY.get(kind, ""))
            if isinstance(name, str):  # a token (Fn::Join...) is made unique by CloudFormation
                iam_names[(stack.account, kind, name)].add(stack.name)
    problems = []
    for account, by_stack in sorted(global_types.items()):
        if len(by_stack) > 1 and len(regions[account]) > 1:
            listed = "; ".join(f"{name}: {', '.join(sorted(kinds))}" for name, kinds in sorted(by_stack.items()))
            problems.append(
                f"account {account} gets region-independent resources from {len(by_stack)} stacks ({listed}); "
                "create them only in the stack whose is_home_region is true"
            )
    for (account, kind, name), names in sorted(iam_names.items()):
        if len(names) > 1:
            problems.append(
                f"account {account} declares {kind} '{name}' in {len(names)} stacks ({', '.join(sorted(names))}); "
                "IAM names are global per account: create it only in the stack whose is_home_region is true"
            )
    return problems
