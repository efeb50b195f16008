"""Mark each construct of an integration stack with the spec field it was made from.

Reports (SARIF's locations, the register's resource names) read the marks back from the
cloud assembly: see :mod:`airlock.compliance.origins`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.compliance.origins import mark

if TYPE_CHECKING:
    from airlock.spec.network import Network
    from airlock.stacks.integration import IntegrationStack
    from airlock.stacks.network import IntegrationNetwork


def mark_integration(stack: IntegrationStack) -> None:
    """Mark the network, buffers, drop zone, event sources, monitoring, registration and vendor role of ``stack``."""
    integration = stack.integration
    name = integration.name
    network = integration.network
    built = stack.networking
    mark(stack, "", purpose=f"integration {name}", integration=name)
    if network is not None and built is not None:
        _mark_network(stack, network, built)
    _mark_rest(stack)


def _mark_network(stack: IntegrationStack, network: Network, built: IntegrationNetwork) -> None:
    name = stack.integration.name
    mark(built.vpc, "network", purpose="isolated network", integration=name)
    for position, endpoint in enumerate(network.vendor_endpoints):
        if endpoint.name in built.vendor_endpoints:
            mark(
                built.vendor_endpoints[endpoint.name],
                f"network.vendor_endpoints[{position}]",
                purpose=f"PrivateLink endpoint to the vendor's {endpoint.name}",
                integration=name,
            )
    for position, api in enumerate(network.exposed_apis):
        if api.name in built.exposed_apis:
            mark(
                built.exposed_apis[api.name],
                f"network.exposed_apis[{position}]",
                purpose=f"API {api.name} offered to the vendor",
                integration=name,
            )
    if built.service_endpoints is not None:
        mark(built.service_endpoints, "network.service_endpoints", purpose="AWS service endpoints", integration=name)
    if built.egress is not None:
        mark(built.egress, "network.egress", purpose="filtered egress", integration=name)
    if built.dns_firewall is not None:
        mark(built.dns_firewall, "network.dns", purpose="DNS Firewall", integration=name)


def _mark_rest(stack: IntegrationStack) -> None:
    integration = stack.integration
    name = integration.name
    for position, buffer in enumerate(integration.buffers):
        if buffer.name in stack.buffers:
            mark(stack.buffers[buffer.name], f"buffers[{position}]", purpose=f"buffer {buffer.name}", integration=name)
    if stack.drop_zone is not None:
        mark(stack.drop_zone, "drop_zone", purpose="drop zone", integration=name)
    for position, source in enumerate(integration.event_sources):
        if source.name in stack.event_sources:
            mark(
                stack.event_sources[source.name],
                f"event_sources[{position}]",
                purpose=f"partner event source {source.name} into buffer {source.buffer}",
                integration=name,
            )
    mark(stack.monitoring, "observability", purpose="monitoring", integration=name)
    if "application" in stack.registration:
        mark(stack.registration["application"], "", purpose="AppRegistry registration", integration=name)
    if "budget" in stack.registration:
        mark(stack.registration["budget"], "budget", purpose="budget", integration=name)
    if stack.vendor_access is not None:
        mark(stack.vendor_access, "access", purpose="vendor role", integration=name)
