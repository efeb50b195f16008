"""Checks of an integration's network that need more than one field (see :mod:`airlock.spec.checks`)."""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Callable, Iterable

from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration, Organization
from airlock.spec.network import subnet_blocks
from airlock.spec.regions import looks_like_az_name, region_of_az_id

_BASE = "network"


def _base(index: int) -> Loc:
    return ("integrations", index, _BASE)


def _vendor_endpoints(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    network = integration.network
    issues: list[SpecIssue] = []
    if network is None:
        return issues
    own = set(network.az_ids)
    for position, endpoint in enumerate(network.vendor_endpoints):
        where = (*_base(index), "vendor_endpoints", position)
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
    return issues


def _hosted_zones(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    """A vendor endpoint's hosted zone: not beside private DNS, no CNAME at the apex, one zone per name and VPC."""
    issues: list[SpecIssue] = []
    first: dict[tuple[str, str], int] = {}
    for position, endpoint in enumerate(integration.network.vendor_endpoints if integration.network else ()):
        zone = endpoint.hosted_zone
        if zone is None:
            continue
        where = (*_base(index), "vendor_endpoints", position, "hosted_zone")
        if endpoint.private_dns:
            issues.append(
                SpecIssue(
                    where,
                    f"a hosted zone for '{zone.name}' and private_dns: true both answer names for this endpoint; with "
                    "private DNS AWS serves the service's own private DNS name from a zone it manages, and vendors "
                    "that publish names for you to host (Confluent, MongoDB Atlas) document private DNS as off: set "
                    "private_dns: false, or remove hosted_zone if the vendor's service has a private DNS name",
                )
            )
        for record_position, record in enumerate(zone.records):
            if record.name == "@" and record.type == "CNAME":
                issues.append(
                    SpecIssue(
                        (*where, "records", record_position, "type"),
                        f"a CNAME at the apex of '{zone.name}' ('@') is not allowed: DNS forbids a CNAME beside the "
                        "zone's SOA and NS records; write type: ALIAS (an alias A record to the endpoint)",
                    )
                )
        key = (endpoint.service_name.split(".")[3], zone.name)
        if key in first:
            issues.append(
                SpecIssue(
                    (*where, "name"),
                    f"'{zone.name}' is already the hosted zone of vendor_endpoints[{first[key]}] in {key[0]}; a VPC "
                    "can be associated with one private hosted zone of a name only: put every record of that "
                    "domain in one hosted_zone",
                )
            )
        first.setdefault(key, position)
    return issues


def _unique_endpoint_names(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    names = [e.name for e in integration.network.vendor_endpoints] if integration.network else []
    return _unique_names(_base(index), "vendor_endpoints", names)


def _unique_api_names(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    network = integration.network
    return _unique_names(_base(index), "exposed_apis", [a.name for a in network.exposed_apis] if network else [])


#: AWS reserves the first four addresses and the last one of every subnet (VPC user guide,
#: "Subnet CIDR blocks"): the network address, the VPC router, the DNS server, one for
#: future use, and the broadcast address. An NLB cannot register any of them as a target.
_RESERVED = (
    "the network address",
    "reserved by AWS for the VPC router",
    "reserved by AWS for DNS",
    "reserved by AWS for future use",
)


def _reserved_use(address: ipaddress.IPv4Address, subnet: ipaddress.IPv4Network) -> str | None:
    offset = int(address) - int(subnet.network_address)
    if offset < len(_RESERVED):
        return _RESERVED[offset]
    if address == subnet.broadcast_address:
        return "the broadcast address"
    return None


def _api_targets(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    network = integration.network
    if network is None:
        return []
    vpc = ipaddress.IPv4Network(network.cidr)
    per_region = Counter(region_of_az_id(az) for az in network.az_ids)
    subnets = {subnet for count in per_region.values() for subnet in subnet_blocks(network.cidr, count, network.egress)}
    issues = []
    for position, api in enumerate(network.exposed_apis):
        for target_position, target in enumerate(api.targets):
            where = (*_base(index), "exposed_apis", position, "targets", target_position)
            address = ipaddress.IPv4Address(target)
            if address not in vpc:
                issues.append(
                    SpecIssue(
                        where,
                        f"'{target}' is outside the VPC CIDR '{network.cidr}'; the isolated VPC has no route "
                        "elsewhere, so use an address inside it",
                    )
                )
                continue
            for subnet in sorted(s for s in subnets if address in s):
                use = _reserved_use(address, subnet)
                if use is not None:
                    first, last = subnet.network_address + 4, subnet.broadcast_address - 1
                    issues.append(
                        SpecIssue(
                            where,
                            f"'{target}' is {use} of subnet {subnet}, which an NLB cannot target; use an "
                            f"address of a host in it, {first} to {last}",
                        )
                    )
    return issues


def _service_endpoints_need_the_organization_id(
    org: Organization | None, index: int, integration: Integration
) -> list[SpecIssue]:
    network = integration.network
    if network is None or not network.service_endpoints or (org is not None and org.organization_id is not None):
        return []
    return [
        SpecIssue(
            (*_base(index), "service_endpoints"),
            f"{list(network.service_endpoints)} need organization.organization_id (o-...): their endpoint "
            "policies admit only principals of the organization; add it",
        )
    ]


def _az_names(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    network = integration.network
    if network is None:
        return []
    base = _base(index)
    own = set(network.az_ids)
    issues = []
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
    missing = sorted(own - set(network.az_names))
    if network.az_names and missing:
        issues.append(
            SpecIssue(
                (*base, "az_names"),
                f"AZ IDs {missing} have no name; map every AZ ID in network.az_ids, or none",
            )
        )
    for name, count in Counter(network.az_names.values()).items():
        if count > 1:
            issues.append(
                SpecIssue(
                    (*base, "az_names"),
                    f"'{name}' is the name of {count} AZ IDs; each AZ ID names a different zone",
                )
            )
    return issues


def _unique_names(base: Loc, field: str, names: list[str]) -> list[SpecIssue]:
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


#: The network's checks of one integration (run by :func:`airlock.spec.checks.cross_checks`).
INTEGRATION_CHECKS: tuple[Callable[[Organization | None, int, Integration], Iterable[SpecIssue]], ...] = (
    _vendor_endpoints,
    _hosted_zones,
    _unique_endpoint_names,
    _unique_api_names,
    _api_targets,
    _service_endpoints_need_the_organization_id,
    _az_names,
)
