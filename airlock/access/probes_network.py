"""Network misuses that must be denied: undeclared ports, names that lead out of the VPC.

* a connection to a vendor endpoint on a port next to the declared ones (just below or above
  each declared port or range) — the endpoint's security group admits declared ports only;
* a query for a name on no allow-list, and a reverse lookup of a public address (Route 53
  Resolver forwards it to the internet's ``in-addr.arpa`` servers, which the owner of the
  address runs: a way out for data encoded in names) — the DNS Firewall blocks both; reverse
  lookups of the VPC's own addresses are answered inside it and are flows (see
  :func:`airlock.access.flows_network.internal_name_flows`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from airlock.access.flows_network import dns_step
from airlock.access.network import security_group_admits
from airlock.access.probes_common import probe
from airlock.access.steps import Probe, fixed_step
from airlock.access.view import IntegrationView, RegionView, first_address
from airlock.spec.network import port_bounds

#: A name no allow-list holds (``.invalid`` is reserved, RFC 2606).
UNLISTED_NAME = "exfiltration-probe.airlock.invalid"
#: The reverse lookup of 192.0.2.200, a public (documentation) address outside every VPC.
PUBLIC_REVERSE_LOOKUP = "200.2.0.192.in-addr.arpa"


def undeclared_ports(ports: list[int | str]) -> list[int]:
    """Ports right next to the declared ones that no declared port or range covers."""
    spans = [port_bounds(port) for port in ports]
    near = sorted({low - 1 for low, _ in spans} | {high + 1 for _, high in spans})
    return [port for port in near if 1 <= port <= 65535 and not any(low <= port <= high for low, high in spans)]


def vendor_endpoint_port_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    if view.integration.network is None:  # no VPC: nothing to connect from or to resolve in
        return
    for spec in view.integration.network.vendor_endpoints:
        if spec.service_name.split(".")[3] != region.region:
            continue
        endpoint = region.endpoint_to(spec.service_name)
        if endpoint is None:
            continue
        address = first_address(spec.sources[0])
        for group_id in endpoint.security_groups:
            group = region.security_group(group_id)
            if group is None:
                continue
            for port in undeclared_ports(list(spec.ports)):
                step = fixed_step(
                    f"{address} connects to {endpoint.resource.logical_id} on port {port}",
                    "network",
                    {"source": address, "port": port, "security_group": group.logical_id},
                    functools.partial(security_group_admits, view.world, group, address, port),
                )
                yield probe(
                    view,
                    f"connect to vendor endpoint {spec.name} on undeclared port {port}",
                    "the endpoint admits declared ports only",
                    step,
                )


def dns_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    if view.integration.network is None:
        return
    yield probe(
        view,
        f"resolve {UNLISTED_NAME}",
        "a name on no allow-list (the DNS Firewall blocks every other query)",
        dns_step(view, region, UNLISTED_NAME, "on no allow-list"),
    )
    yield probe(
        view,
        f"reverse lookup of a public address ({PUBLIC_REVERSE_LOOKUP})",
        "reverse lookups outside the VPC's CIDR leave it for the internet's name servers",
        dns_step(view, region, PUBLIC_REVERSE_LOOKUP, "a public address"),
    )


NETWORK_PROBES = (vendor_endpoint_port_probes, dns_probes)
