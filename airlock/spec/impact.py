"""Deployment architecture of an integration: where things run, and what an AZ or region loss breaks.

A pure function over the spec, so the synth summary and the integration register show the
same facts without synthesizing anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from airlock.spec.models import Integration
from airlock.spec.network import subnet_layout
from airlock.spec.regions import region_of_az_id


@dataclass(frozen=True)
class ZonePlacement:
    """What one AZ of one region holds."""

    az_id: str
    subnet_cidr: str
    #: Interface endpoints with a network interface in this AZ (vendor endpoints by name,
    #: AWS service endpoints as ``aws:<service>``).
    endpoints: tuple[str, ...]
    #: Exposed APIs whose NLB has a node in this AZ.
    exposed_apis: tuple[str, ...]
    #: A Network Firewall endpoint and NAT gateway for filtered egress in this AZ.
    egress: bool


@dataclass(frozen=True)
class RegionArchitecture:
    region: str
    az_ids: tuple[str, ...]
    zones: tuple[ZonePlacement, ...]
    #: Effect of losing any single AZ, one sentence each.
    if_one_az_fails: tuple[str, ...]


@dataclass(frozen=True)
class DeploymentArchitecture:
    integration: str
    regions: tuple[RegionArchitecture, ...]
    if_one_region_fails: str

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (lists instead of tuples)."""
        return _lists(asdict(self))


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(item) for item in value]
    return value


def deployment_architecture(integration: Integration) -> DeploymentArchitecture:
    """Where the integration runs, per region and AZ ID, and what survives the loss of one AZ or region."""
    network = integration.network
    regions = []
    for region in integration.regions:
        if network is None:  # no VPC: nothing of the integration is placed in an AZ
            regions.append(
                RegionArchitecture(
                    region=region, az_ids=(), zones=(), if_one_az_fails=_az_loss(integration, region, ())
                )
            )
            continue
        az_ids = tuple(az for az in network.az_ids if region_of_az_id(az) == region)
        subnets, _ = subnet_layout(network.cidr, len(az_ids), egress=network.egress is not None)
        vendor = [e for e in network.vendor_endpoints if e.service_name.split(".")[3] == region]
        zones = []
        for az_id, subnet in zip(az_ids, subnets, strict=True):
            endpoints = [e.name for e in vendor if az_id in e.az_ids]
            endpoints += [f"aws:{service}" for service in network.service_endpoints if service != "s3"]
            zones.append(
                ZonePlacement(
                    az_id=az_id,
                    subnet_cidr=subnet,
                    endpoints=tuple(endpoints),
                    exposed_apis=tuple(api.name for api in network.exposed_apis),
                    egress=network.egress is not None,
                )
            )
        regions.append(
            RegionArchitecture(
                region=region, az_ids=az_ids, zones=tuple(zones), if_one_az_fails=_az_loss(integration, region, az_ids)
            )
        )
    if len(integration.regions) > 1:
        region_loss = (
            f"the other region(s) keep working on their own ({', '.join(integration.regions)} are independent "
            "stacks); clients must fail over themselves"
        )
    else:
        region_loss = f"the integration is down: it runs in {integration.regions[0]} only"
    return DeploymentArchitecture(integration=integration.name, regions=tuple(regions), if_one_region_fails=region_loss)


def _az_loss(integration: Integration, region: str, az_ids: tuple[str, ...]) -> tuple[str, ...]:
    network = integration.network
    effects = []
    if network is None:
        regional = _regional_effect(len(integration.buffers), integration.drop_zone is not None)
        return (regional or "nothing: the integration has no network and no regional resource to lose",)
    for endpoint in network.vendor_endpoints:
        if endpoint.service_name.split(".")[3] != region:
            continue
        shared = [az for az in az_ids if az in endpoint.az_ids]
        if len(shared) == 1:
            effects.append(f"vendor endpoint '{endpoint.name}' is lost with {shared[0]}, the only AZ both sides share")
        elif shared:
            effects.append(f"vendor endpoint '{endpoint.name}' keeps {len(shared) - 1} of {len(shared)} AZs")
    if network.exposed_apis:
        effects.append(f"exposed APIs stay up in {len(az_ids) - 1} of {len(az_ids)} AZs (cross-zone NLB)")
    if network.service_endpoints:
        effects.append(f"AWS service endpoints answer from {len(az_ids) - 1} of {len(az_ids)} AZs")
    if network.egress is not None:
        effects.append("filtered egress of the lost AZ's subnet stops; the other AZs keep their own firewall and NAT")
    regional = _regional_effect(len(integration.buffers), integration.drop_zone is not None)
    if regional:
        effects.append(regional)
    effects.append(f"workloads keep {len(az_ids) - 1} of {len(az_ids)} subnets")
    return tuple(effects)


def _regional_effect(buffers: int, drop_zone: bool) -> str | None:
    """``SQS is a regional service: the buffer keeps working`` (and S3's drop zone), in correct number."""
    services = (["SQS"] if buffers else []) + (["S3"] if drop_zone else [])
    if not services:
        return None
    held = ([f"the buffer{'s' if buffers > 1 else ''}"] if buffers else []) + (["the drop zone"] if drop_zone else [])
    verb = "keeps" if len(held) == 1 and buffers <= 1 else "keep"
    kind = "is a regional service" if len(services) == 1 else "are regional services"
    return f"{' and '.join(services)} {kind}: {' and '.join(held)} {verb} working"
