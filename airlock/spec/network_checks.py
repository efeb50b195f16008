"""Checks of an integration's network that need more than one field."""

from __future__ import annotations

import ipaddress
from collections import Counter

from airlock.spec.errors import SpecIssue
from airlock.spec.models import Integration, Organization
from airlock.spec.regions import looks_like_az_name, region_of_az_id


def network_checks(org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    network = integration.network
    base: tuple[str | int, ...] = ("integrations", index, "network")
    issues: list[SpecIssue] = []
    own = set(network.az_ids)

    for position, endpoint in enumerate(network.vendor_endpoints):
        where = (*base, "vendor_endpoints", position)
        region = endpoint.service_name.split(".")[3]
        if region not in integration.regions:
            issues.append(
                SpecIssue(
                    (*where, "service_name"),
                    f"'{endpoint.service_name}' is an endpoint service of {region}, which is not in this "
                    f"integration's regions {list(integration.regions)}; PrivateLink is regional, so deploy the "
                    "integration to that region or ask the vendor for a service in yours",
                )
            )
        ours = sorted(az for az in network.az_ids if region_of_az_id(az) == region)
        for az_position, az_id in enumerate(endpoint.az_ids):
            if region_of_az_id(az_id) != region:
                issues.append(
                    SpecIssue(
                        (*where, "az_ids", az_position),
                        f"'{az_id}' is an AZ ID of {region_of_az_id(az_id)}, but the service is in {region}; "
                        f"list the AZ IDs of {region} the vendor offers it in",
                    )
                )
        if not own & set(endpoint.az_ids):
            issues.append(
                SpecIssue(
                    (*where, "az_ids"),
                    f"the vendor offers {endpoint.az_ids}, none of which is among the integration's AZ IDs "
                    f"{ours}; add one of the vendor's AZ IDs to network.az_ids or ask the vendor to offer the "
                    "service in yours",
                )
            )
    issues.extend(_unique_names(base, "vendor_endpoints", [e.name for e in network.vendor_endpoints]))
    issues.extend(_unique_names(base, "exposed_apis", [a.name for a in network.exposed_apis]))

    vpc = ipaddress.IPv4Network(network.cidr)
    for position, api in enumerate(network.exposed_apis):
        for target_position, target in enumerate(api.targets):
            if ipaddress.IPv4Address(target) not in vpc:
                issues.append(
                    SpecIssue(
                        (*base, "exposed_apis", position, "targets", target_position),
                        f"'{target}' is outside the VPC CIDR '{network.cidr}'; the isolated VPC has no route "
                        "elsewhere, so use an address inside it",
                    )
                )

    if network.service_endpoints and (org is None or org.organization_id is None):
        issues.append(
            SpecIssue(
                (*base, "service_endpoints"),
                f"{list(network.service_endpoints)} need organization.organization_id (o-...): their endpoint "
                "policies admit only principals of the organization; add it",
            )
        )

    for az_id, name in network.az_names.items():
        region = region_of_az_id(az_id)
        if az_id not in own:
            issues.append(
                SpecIssue(
                    (*base, "az_names", az_id),
                    f"'{az_id}' is not in network.az_ids {list(network.az_ids)}; map only the AZ IDs you use",
                )
            )
        elif not (looks_like_az_name(name) and region is not None and name[:-1] == region):
            issues.append(
                SpecIssue(
                    (*base, "az_names", az_id),
                    f"'{name}' is not an AZ name of {region}; write the name this account sees for {az_id} "
                    f"(e.g. '{region}a'; `aws ec2 describe-availability-zones` lists ZoneName beside ZoneId)",
                )
            )
    if network.az_names and set(network.az_names) != own:
        missing = sorted(own - set(network.az_names))
        if missing:
            issues.append(
                SpecIssue(
                    (*base, "az_names"),
                    f"AZ IDs {missing} have no name; map every AZ ID in network.az_ids, or none",
                )
            )
    names = Counter(network.az_names.values())
    for name, count in names.items():
        if count > 1:
            issues.append(
                SpecIssue(
                    (*base, "az_names"),
                    f"'{name}' is the name of {count} AZ IDs; each AZ ID names a different zone",
                )
            )
    return issues


def _unique_names(base: tuple[str | int, ...], field: str, names: list[str]) -> list[SpecIssue]:
    issues = []
    first: dict[str, int] = {}
    for position, name in enumerate(names):
        if name in first:
            issues.append(
                SpecIssue(
                    (*base, field, position, "name"),
                    f"'{name}' is already the name of {field}[{first[name]}]; give each its own name",
                )
            )
        first.setdefault(name, position)
    return issues
