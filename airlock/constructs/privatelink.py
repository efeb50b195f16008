"""PrivateLink both ways: interface endpoints to a vendor's service, and a service for the vendor.

Neither side ever opens a route between the networks: the vendor reaches one NLB through
an endpoint service it must be named in and accepted for; the organisation reaches the
vendor's service through an interface endpoint that admits only declared ports and sources.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_elasticloadbalancingv2_targets as targets
from constructs import Construct

from airlock.compliance.acknowledge import acknowledge

_SERVICE_NAME = re.compile(r"^com\.amazonaws\.vpce\.[a-z]{2}(-[a-z]+)+-\d\.vpce-svc-[0-9a-f]{17}$")
_PRINCIPAL = re.compile(r"^arn:aws:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)$")


def _check_ports(ports: Sequence[int]) -> list[int]:
    if not ports:
        raise ValueError("ports is empty; give the TCP ports to admit, e.g. [443]")
    for port in ports:
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"ports contains {port!r}; use TCP ports from 1 to 65535")
    return sorted(set(ports))


PortSpec = int | str | tuple[int, int]
_RANGE = re.compile(r"^(\d+)-(\d+)$")


def port_ranges(ports: Sequence[PortSpec]) -> list[tuple[int, int]]:
    """``ports`` as sorted, inclusive (first, last) pairs.

    Each entry is a TCP port (``443``), a range written ``"8443-8451"`` or a ``(8443, 8451)``
    pair. Raises for an empty list, a port outside 1..65535 (a range including 0, or beyond
    65535), a reversed range, and entries that overlap.
    """
    if not ports:
        raise ValueError("ports is empty; give the TCP ports to admit, e.g. [443] or ['8443-8451']")
    out: list[tuple[int, int]] = []
    for port in ports:
        if isinstance(port, bool):
            raise ValueError(f"ports contains {port!r}; use TCP ports from 1 to 65535")
        if isinstance(port, int):
            low, high = port, port
        elif isinstance(port, str) and _RANGE.match(port):
            low, high = (int(part) for part in port.split("-"))
        elif isinstance(port, tuple) and len(port) == 2 and all(isinstance(p, int) for p in port):
            low, high = port
        else:
            raise ValueError(f"ports contains {port!r}; write a port (443) or a range ('8443-8451' or (8443, 8451))")
        if not 1 <= low <= 65535 or not 1 <= high <= 65535:
            raise ValueError(f"ports contains {port!r}; TCP ports run from 1 to 65535")
        if low > high:
            raise ValueError(f"ports contains {port!r}, a reversed range; write the lower port first ({high}-{low})")
        out.append((low, high))
    out.sort()
    for (_, last), (first, _) in itertools.pairwise(out):
        if first <= last:
            raise ValueError(f"ports {out} overlap at {first}; list each port once")
    return out


def _port_text(span: tuple[int, int]) -> str:
    return str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def _ec2_port(span: tuple[int, int]) -> ec2.Port:
    return ec2.Port.tcp(span[0]) if span[0] == span[1] else ec2.Port.tcp_range(span[0], span[1])


def _check_sources(sources: Sequence[str], vpc_cidr: str | None = None) -> list[str]:
    if not sources:
        raise ValueError("sources is empty; give the private CIDRs that may connect, e.g. ['10.20.0.0/22']")
    checked = []
    for source in sources:
        if vpc_cidr is not None and source == vpc_cidr and cdk.Token.is_unresolved(source):
            checked.append(source)  # the VPC's own CIDR, whatever it resolves to
            continue
        if cdk.Token.is_unresolved(source):
            raise ValueError("sources contains a token; give literal CIDRs so the rules can be checked before deploy")
        try:
            network = ipaddress.ip_network(source, strict=True)
        except ValueError:
            raise ValueError(f"sources contains '{source}', which is not a CIDR; write e.g. '10.20.0.0/22'") from None
        if network.prefixlen == 0 or not network.is_private:
            raise ValueError(
                f"sources contains '{source}'; an endpoint admits private CIDRs only, never the internet "
                "(0.0.0.0/0, ::/0 or a public block): name the networks that need it"
            )
        checked.append(str(network))
    return checked


def endpoint_security_group(
    scope: Construct,
    id: str,
    *,
    vpc: ec2.IVpc,
    ports: Sequence[PortSpec],
    sources: Sequence[str],
    description: str,
) -> ec2.SecurityGroup:
    """A security group admitting only ``ports`` (TCP) from ``sources``, with no egress rule.

    ``ports`` holds single ports and inclusive ranges (see :func:`port_ranges`); a range
    becomes one rule from its first to its last port. Raises for an empty port or source list,
    a bad or overlapping port range, a token (other than the VPC's own CIDR), ``0.0.0.0/0``,
    ``::/0`` or a public CIDR.
    """
    checked_ports = port_ranges(ports)
    checked_sources = _check_sources(sources, vpc.vpc_cidr_block)
    group = ec2.SecurityGroup(scope, id, vpc=vpc, description=description, allow_all_outbound=False)
    for source in checked_sources:
        peer = ec2.Peer.ipv6(source) if ":" in source and not cdk.Token.is_unresolved(source) else ec2.Peer.ipv4(source)
        for span in checked_ports:
            group.add_ingress_rule(peer, _ec2_port(span), f"{source} to {_port_text(span)}")
    return group


class VendorEndpoint(Construct):
    """An interface endpoint to a vendor's endpoint service (PrivateLink, consumer side).

    The endpoint gets a security group of its own that admits only ``ports`` from
    ``sources`` and has no egress rule. Nothing else is opened: no route, gateway or peering.
    ``Airlock-EndpointPolicy`` is acknowledged on it: an endpoint to another account's
    service does not evaluate endpoint policies.

    :param vpc: the VPC to place the endpoint in.
    :param service_name: the vendor's service, ``com.amazonaws.vpce.<region>.vpce-svc-<17 hex>``.
    :param ports: TCP ports the endpoint admits: ports (``443``) and inclusive ranges
        (``"8443-8451"`` or ``(8443, 8451)``), as vendors document them (a database SaaS
        admits ``"1024-65535"``). A range including 0, beyond 65535, reversed or overlapping raises.
    :param sources: private CIDRs that may connect; ``0.0.0.0/0`` and public blocks raise.
    :param subnets: where to place the endpoint's network interfaces, at most one per AZ; pick
        subnets in the AZs the vendor's service is offered in. Default: the VPC's isolated subnets.
    :param private_dns: enable the service's private DNS name in the VPC. Default: off (the
        endpoint's own DNS names are used; the vendor's name is not hijacked in the VPC).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        service_name: str,
        ports: Sequence[PortSpec],
        sources: Sequence[str],
        subnets: Sequence[ec2.ISubnet] | None = None,
        private_dns: bool = False,
    ) -> None:
        super().__init__(scope, id)
        if not _SERVICE_NAME.match(service_name):
            raise ValueError(
                f"service_name '{service_name}' is not an endpoint service name; use "
                "'com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits>' as the vendor gives it"
            )
        chosen = list(subnets) if subnets is not None else list(vpc.isolated_subnets)
        if not chosen:
            raise ValueError("subnets is empty; give at least one subnet in an AZ the vendor's service is offered in")
        self.service_name = service_name
        self.private_dns = private_dns
        #: The admitted ports as inclusive (first, last) pairs, sorted.
        self.port_ranges = port_ranges(ports)
        #: The admitted ports as written in a spec: ``443`` for one port, ``"8443-8451"`` for a range.
        self.ports: list[int | str] = [low if low == high else f"{low}-{high}" for low, high in self.port_ranges]
        self.security_group = endpoint_security_group(
            self,
            "SecurityGroup",
            vpc=vpc,
            ports=ports,
            sources=sources,
            description=f"PrivateLink endpoint to {service_name}: declared ports and sources only",
        )
        self.subnets = chosen
        self.resource = ec2.CfnVPCEndpoint(
            self,
            "Resource",
            vpc_id=vpc.vpc_id,
            service_name=service_name,
            vpc_endpoint_type="Interface",
            subnet_ids=[subnet.subnet_id for subnet in chosen],
            security_group_ids=[self.security_group.security_group_id],
            private_dns_enabled=private_dns,
        )
        acknowledge(
            self,
            "Airlock-EndpointPolicy",
            reason="An endpoint to another account's endpoint service does not evaluate endpoint policies; "
            "its security group admits only the declared ports and sources, and the vendor's service "
            "accepts only the accounts it names.",
        )

    @property
    def endpoint_id(self) -> str:
        return self.resource.ref

    def _dns_entry(self, part: int) -> str:
        # DnsEntries lists "<hosted zone id>:<dns name>" pairs, the regional name first.
        return cdk.Fn.select(part, cdk.Fn.split(":", cdk.Fn.select(0, self.resource.attr_dns_entries)))

    @property
    def regional_dns_name(self) -> str:
        """The endpoint's regional DNS name (``vpce-....vpce-svc-....<region>.vpce.amazonaws.com``)."""
        return self._dns_entry(1)

    @property
    def dns_hosted_zone_id(self) -> str:
        """The Route 53 hosted zone that AWS answers the regional DNS name from (for alias records)."""
        return self._dns_entry(0)

    def dns_names(self) -> list[str]:
        """The names clients resolve to reach the endpoint, for a DNS allow-list.

        Without private DNS, clients use the endpoint's own names, all below
        ``<service id>.<region>.vpce.amazonaws.com`` (regional and zonal), given here as
        ``.vpce-svc-....<region>.vpce.amazonaws.com`` (that domain and every name below it).
        With private DNS the vendor's own names answer, which AWS returns from a hosted zone it
        manages; list them in the integration's DNS allow-list.
        """
        if self.private_dns:
            return []
        service_id = self.service_name.rsplit(".", 1)[-1]
        region = self.service_name.split(".")[3]
        return [f".{service_id}.{region}.vpce.amazonaws.com"]

    def metric(self, metric_name: str, **props: object) -> cloudwatch.Metric:
        """A metric of this endpoint in ``AWS/PrivateLinkEndpoints`` (e.g. ``BytesProcessed``)."""
        return cloudwatch.Metric(
            namespace="AWS/PrivateLinkEndpoints",
            metric_name=metric_name,
            dimensions_map={
                "VPC Id": self.resource.vpc_id,
                "VPC Endpoint Id": self.resource.ref,
                "Endpoint Type": "Interface",
                "Service Name": self.service_name,
            },
            **props,  # type: ignore[arg-type]
        )

    def metric_bytes_processed(self, **props: object) -> cloudwatch.Metric:
        """Bytes exchanged between the VPC and the vendor's service through this endpoint (sum)."""
        return self.metric("BytesProcessed", statistic="Sum", **props)

    def metric_packets_dropped(self, **props: object) -> cloudwatch.Metric:
        """Packets the endpoint dropped, e.g. because the vendor's service is unavailable (sum)."""
        return self.metric("PacketsDropped", statistic="Sum", **props)

    @property
    def connections(self) -> ec2.Connections:
        """Connections of the endpoint's security group (for ``allow_from``)."""
        return self.security_group.connections


class ExposedService(Construct):
    """An endpoint service in front of an internal NLB (PrivateLink, provider side).

    Every connection request needs acceptance (``AcceptanceRequired: true``), and only the
    named ``allowed_principals`` may even request one. The NLB is internal, forwards TCP on
    ``ports`` to ``target_ips`` in the VPC and has a security group admitting only the VPC's
    CIDR on those ports (PrivateLink traffic reaches it from the NLB's own addresses).
    Access logging findings are acknowledged on the NLB (NLB access logs cover TLS listeners
    only; the flows are in the VPC flow logs), and the ACM-certificate finding on each TCP
    listener (TLS passes through to the targets).

    :param vpc: the VPC of the NLB and its targets.
    :param ports: TCP ports to listen on and forward.
    :param target_ips: private IPv4 addresses that serve the API.
    :param allowed_principals: IAM principal ARNs allowed to connect (``arn:aws:iam::<id>:root``
        or a role); ``*`` or any wildcard raises.
    :param subnets: subnets of the NLB. Default: the VPC's isolated subnets.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        ports: Sequence[int],
        target_ips: Sequence[str],
        allowed_principals: Sequence[str],
        subnets: Sequence[ec2.ISubnet] | None = None,
    ) -> None:
        super().__init__(scope, id)
        checked_ports = _check_ports(ports)
        if not allowed_principals:
            raise ValueError("allowed_principals is empty; name the vendor's principals, e.g. arn:aws:iam::<id>:root")
        for principal in allowed_principals:
            if "*" in principal or not _PRINCIPAL.match(principal):
                raise ValueError(
                    f"allowed_principals contains '{principal}'; name each principal by ARN "
                    "(arn:aws:iam::<12 digits>:root or a role), never '*' or a wildcard"
                )
        if not target_ips:
            raise ValueError("target_ips is empty; give the private addresses that serve the API")
        for address in target_ips:
            if not ipaddress.IPv4Address(address).is_private:
                raise ValueError(f"target_ips contains '{address}'; targets must be private addresses in the VPC")
        chosen = list(subnets) if subnets is not None else list(vpc.isolated_subnets)

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Exposed API NLB: declared ports from the VPC, to the declared targets only",
            allow_all_outbound=False,
        )
        for port in checked_ports:
            self.security_group.add_ingress_rule(ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(port))
            for address in target_ips:
                self.security_group.add_egress_rule(ec2.Peer.ipv4(f"{address}/32"), ec2.Port.tcp(port))
        self.load_balancer = elbv2.NetworkLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=ec2.SubnetSelection(subnets=chosen),
            security_groups=[self.security_group],
            cross_zone_enabled=True,
            deletion_protection=True,
        )
        self.listeners: list[elbv2.NetworkListener] = []
        self.target_groups: list[elbv2.NetworkTargetGroup] = []
        for port in checked_ports:
            listener = self.load_balancer.add_listener(f"Tcp{port}", port=port, protocol=elbv2.Protocol.TCP)
            group = listener.add_targets(
                f"Tcp{port}",
                port=port,
                protocol=elbv2.Protocol.TCP,
                targets=[targets.IpTarget(address) for address in target_ips],
            )
            self.listeners.append(listener)
            self.target_groups.append(group)
            acknowledge(
                listener,
                "NIST.800.53.R5-ELBv2ACMCertificateRequired",
                reason="TCP listener passing TLS through to the targets, which hold the API's certificate; "
                "the NLB never sees plaintext.",
            )
        for rule in (
            "AwsSolutions-ELB2",
            "NIST.800.53.R5-ELBLoggingEnabled",
            "cdk-validator-cfnguard::elbv2_logging_enabled_check",
        ):
            acknowledge(
                self.load_balancer,
                rule,
                reason="NLB access logs record TLS listeners only; "
                "these TCP listeners' flows are in the VPC flow logs.",
            )
        self.resource = ec2.CfnVPCEndpointService(
            self,
            "Resource",
            acceptance_required=True,
            network_load_balancer_arns=[self.load_balancer.load_balancer_arn],
        )
        self.allowed_principals = tuple(allowed_principals)
        self.permissions = ec2.CfnVPCEndpointServicePermissions(
            self, "Permissions", service_id=self.resource.ref, allowed_principals=list(allowed_principals)
        )

    @property
    def service_id(self) -> str:
        return self.resource.ref

    def metric_active_flow_count(self, **props: object) -> cloudwatch.Metric:
        """Concurrent TCP flows from the vendor through the NLB."""
        return self.load_balancer.metrics.active_flow_count(**props)  # type: ignore[arg-type]

    def metric_unhealthy_host_count(self) -> cloudwatch.IMetric:
        """Targets failing their health check, summed over the listeners' target groups."""
        metrics = {
            f"m{position}": group.metrics.un_healthy_host_count() for position, group in enumerate(self.target_groups)
        }
        if len(metrics) == 1:
            return next(iter(metrics.values()))
        return cloudwatch.MathExpression(expression="+".join(metrics), using_metrics=metrics)

    @property
    def service_name(self) -> str:
        """The name the vendor connects to: ``com.amazonaws.vpce.<region>.<service id>``."""
        return cdk.Fn.join("", ["com.amazonaws.vpce.", cdk.Stack.of(self).region, ".", self.resource.ref])
