"""Network flows: names that must resolve and connections that must pass, per integration region.

* each vendor endpoint: the name a client uses resolves through the DNS Firewall, and the
  endpoint's security group admits every declared source on every declared port (every port
  of a declared range); with a hosted zone, each record's name is answered by the zone with
  the endpoint and resolves through the DNS Firewall together with its CNAME target;
* each exposed API: the endpoint service admits the vendor's accounts;
* each AWS service endpoint: its name resolves, its security group admits the VPC, and its
  endpoint policy lets a workload of the account reach the account's own resources;
* each domain of the DNS allow-list resolves; the VPC's own names (an EC2 host name, a reverse
  lookup of a VPC address) resolve; each egress domain resolves, passes the Network
  Firewall, and the workload subnets route to the internet through the firewall.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterator

from airlock.access.endpoint_services import service_dns_name, service_endpoint
from airlock.access.model import Decision, Principal, Source, Verdict
from airlock.access.network import (
    dns_rules,
    endpoint_service_admits,
    hosted_zone_answers,
    network_firewall_admits,
    resolve_name,
    security_group_admits,
    security_group_admits_range,
)
from airlock.access.policy import parse_policy
from airlock.access.steps import Flow, Step, fixed_step, iam_step, missing_step
from airlock.access.view import IntegrationView, RegionView, first_address
from airlock.access.world import Endpoint
from airlock.spec.errors import format_path
from airlock.spec.network import HostedZone, Network, port_bounds

#: A workload of the intermediate account whose own policies allow everything: what reaches a
#: resource through an endpoint then depends only on the endpoint, resource and SCP layers.
WORKLOAD_IDENTITY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    Source("identity", name="a workload of the intermediate account (allowed everything by its own policies)"),
)


#: The trust policy of a role the workload assumes in its own account (a role the flow supposes).
ACCOUNT_TRUST = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}},
            }
        ],
    },
    Source("trust", name="a role of the account that trusts the account's principals"),
)


def _network(view: IntegrationView) -> Network:
    network = view.integration.network
    assert network is not None  # network_flows builds flows only for an integration with a network
    return network


def _given(decision: Decision) -> Decision:
    return decision


def _origin(index: int, *rest: str | int) -> str:
    return format_path(("integrations", index, "network", *rest))


def dns_step(view: IntegrationView, region: RegionView, name: str, why: str, cnames: tuple[str, ...] = ()) -> Step:
    vpc_id = region.vpc_id()
    world = view.world

    def decide() -> Decision:
        if vpc_id is None or region.stack is None:
            return Decision(Verdict.DENY, f"no VPC in {region.stack}")
        return resolve_name(dns_rules(world, region.stack, vpc_id), name, cnames)

    detail: dict[str, object] = {"query": name, "vpc": vpc_id}
    if cnames:
        detail["cname_chain"] = list(cnames)
    via = f" and its CNAME target {', '.join(cnames)}" if cnames else ""
    return fixed_step(f"the VPC resolves {name}{via} ({why})", "dns", detail, decide)


def connect_steps(
    view: IntegrationView, region: RegionView, endpoint: Endpoint, sources: list[str], ports: list[int | str]
) -> list[Step]:
    steps = []
    for group_id in endpoint.security_groups:
        group = region.security_group(group_id)
        for source in sources:
            address = first_address(source)
            for port in ports:
                low, high = port_bounds(port)
                title = (
                    f"{address} connects to {endpoint.resource.logical_id} on port{'s' if low < high else ''} {port}"
                )
                if group is None:
                    steps.append(missing_step(title, f"security group {group_id} is not in {region.stack}"))
                    continue
                steps.append(
                    fixed_step(
                        title,
                        "network",
                        {"source": address, "port": port, "security_group": group.logical_id},
                        functools.partial(security_group_admits_range, view.world, group, address, low, high)
                        if low < high
                        else functools.partial(security_group_admits, view.world, group, address, low),
                    )
                )
    return steps


def record_query(zone: HostedZone, record: str) -> str:
    """A name a record answers: the record's own, or one below a wildcard."""
    if record == "@":
        return zone.name
    return f"airlock-proof{record[1:]}.{zone.name}" if record.startswith("*") else f"{record}.{zone.name}"


def hosted_zone_steps(view: IntegrationView, region: RegionView, endpoint: Endpoint, zone: HostedZone) -> list[Step]:
    """Each record's name: the zone answers it with the endpoint, and it resolves through the DNS
    Firewall together with the endpoint's name it leads to (a CNAME's target)."""
    steps: list[Step] = []
    vpc_id = region.vpc_id()
    stack = region.stack
    target = endpoint_dns_name(endpoint, region.region)
    for record in zone.records:
        name = record_query(zone, record.name)

        def answers(name: str = name) -> Decision:
            if vpc_id is None or stack is None:
                return Decision(Verdict.DENY, f"no VPC in {stack}")
            return hosted_zone_answers(view.world, stack, vpc_id, name, endpoint.resource)

        steps.append(
            fixed_step(
                f"the private hosted zone {zone.name} answers {name} with the endpoint ({record.type})",
                "dns",
                {"query": name, "zone": zone.name, "vpc": vpc_id},
                answers,
            )
        )
        cnames = (target,) if record.type == "CNAME" else ()
        steps.append(dns_step(view, region, name, f"a record of {zone.name}", cnames))
    return steps


def endpoint_dns_name(endpoint: Endpoint, region: str) -> str:
    """The regional DNS name AWS gives an interface endpoint to an endpoint service."""
    service_id = endpoint.service_name.rsplit(".", 1)[-1]
    ident = endpoint.resource.arn.rsplit("/", 1)[-1] if endpoint.resource.arn else "vpce-0"
    return f"{ident}-0a1b2c3d.{service_id}.{region}.vpce.amazonaws.com"


def vendor_endpoint_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    for position, spec in enumerate(_network(view).vendor_endpoints):
        if spec.service_name.split(".")[3] != region.region:
            continue
        endpoint = region.endpoint_to(spec.service_name)
        origin = _origin(index, "vendor_endpoints", position)
        name = f"vendor endpoint {spec.name} ({region.region})"
        if endpoint is None:
            yield Flow(
                view.integration.name, name, origin, (missing_step(name, f"no endpoint to {spec.service_name}"),)
            )
            continue
        steps = []
        if not spec.private_dns:
            steps.append(dns_step(view, region, endpoint_dns_name(endpoint, region.region), "the endpoint's own name"))
        if spec.hosted_zone is not None:
            steps += hosted_zone_steps(view, region, endpoint, spec.hosted_zone)
        steps += connect_steps(view, region, endpoint, list(spec.sources), list(spec.ports))
        yield Flow(view.integration.name, name, origin, tuple(steps))


def exposed_api_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    world = view.world
    for position, api in enumerate(_network(view).exposed_apis):
        origin = _origin(index, "exposed_apis", position)
        permissions = [
            (key, allowed) for key, allowed in world.endpoint_service_principals.items() if key[0] == region.stack
        ]
        steps: list[Step] = []
        for account in view.integration.vendor.account_ids:
            principal = f"arn:aws:iam::{account}:root"
            title = f"vendor account {account} requests a connection to {api.name}"
            if not permissions:
                steps.append(missing_step(title, f"no endpoint service permissions in {region.stack}"))
                continue
            found = [
                endpoint_service_admits(allowed, principal, account, Source("endpoint-service", region.stack, service))
                for (_, service), allowed in permissions
            ]
            decision = next((d for d in found if d.allowed), found[0])
            steps.append(
                fixed_step(title, "endpoint-service", {"principal": principal}, functools.partial(_given, decision))
            )
        yield Flow(view.integration.name, f"exposed API {api.name} ({region.region})", origin, tuple(steps))


#: A representative request per AWS service endpoint: (action, resource type the flow picks).
SERVICE_REQUESTS: dict[str, tuple[str, str]] = {
    "sqs": ("sqs:SendMessage", "AWS::SQS::Queue"),
    "sns": ("sns:Publish", "AWS::SNS::Topic"),
    "kms": ("kms:Decrypt", "AWS::KMS::Key"),
    "logs": ("logs:PutLogEvents", "AWS::Logs::LogGroup"),
    "monitoring": ("cloudwatch:PutMetricData", "*"),
    "sts": ("sts:AssumeRole", "role"),
    "s3": ("s3:GetObject", "AWS::S3::Bucket"),
    "secretsmanager": ("secretsmanager:GetSecretValue", "secret"),
    "ssm": ("ssm:GetParameter", "parameter"),
    "events": ("events:PutEvents", "event-bus"),
    "execute-api": ("execute-api:Invoke", "api"),
    "s3-interface": ("s3:GetObject", "AWS::S3::Bucket"),
    "kinesis-streams": ("kinesis:PutRecord", "stream"),
    "kinesis-firehose": ("firehose:PutRecord", "deliverystream"),
    "ecr.api": ("ecr:DescribeImages", "repository"),
    "ecr.dkr": ("ecr:BatchGetImage", "repository"),
}


def _service_resource(region: RegionView, kind: str) -> str | None:
    account, name = region.account, region.region
    synthetic = {
        "*": "*",
        "secret": f"arn:aws:secretsmanager:{name}:{account}:secret:airlock-proof",
        "parameter": f"arn:aws:ssm:{name}:{account}:parameter/airlock-proof",
        "event-bus": f"arn:aws:events:{name}:{account}:event-bus/default",
        "api": f"arn:aws:execute-api:{name}:{account}:airlockproof/prod/GET/",
        "role": f"arn:aws:iam::{account}:role/airlock-proof-workload-role",
        "stream": f"arn:aws:kinesis:{name}:{account}:stream/airlock-proof",
        "deliverystream": f"arn:aws:firehose:{name}:{account}:deliverystream/airlock-proof",
        "repository": f"arn:aws:ecr:{name}:{account}:repository/airlock-proof",
    }
    if kind in synthetic:
        return synthetic[kind]
    resource = next((r for r in region.resources(kind) if r.arn), None)
    if resource is None and kind == "AWS::S3::Bucket":
        # No bucket in the stack (no drop zone): a bucket of the account the workload may create.
        return f"arn:aws:s3:::airlock-proof-{account}/airlock-proof.csv"
    if resource is None or resource.arn is None:
        return None
    return f"{resource.arn}/airlock-proof.csv" if kind == "AWS::S3::Bucket" else resource.arn


def service_endpoint_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    network = _network(view)
    sources = list(network.service_endpoint_sources) or [network.cidr]
    for position, service in enumerate(dict.fromkeys(network.service_endpoints)):
        origin = _origin(index, "service_endpoints", position)
        flow_name = f"service endpoint {service} ({region.region})"
        endpoint = service_endpoint(region, service)
        if endpoint is None:
            yield Flow(view.integration.name, flow_name, origin, (missing_step(flow_name, f"no {service} endpoint"),))
            continue
        name = service_dns_name(service, region.region, region.account)
        steps = [dns_step(view, region, name, f"the {service} endpoint")]
        if endpoint.kind == "Interface":
            steps += connect_steps(view, region, endpoint, sources, [443])
        action, kind = SERVICE_REQUESTS.get(service, (f"{service}:*", "*"))
        resource = _service_resource(region, kind)
        workload = Principal.role(f"arn:aws:iam::{region.account}:role/airlock-proof-workload", session="workload")
        if resource is None:
            steps.append(missing_step(f"a workload calls {action}", f"no {kind} in {region.stack} to call it on"))
        else:
            steps.append(
                iam_step(
                    view.world,
                    f"a workload of the account calls {action} through the {service} endpoint",
                    workload,
                    action,
                    resource,
                    region=region.region,
                    endpoint=endpoint,
                    identity=[WORKLOAD_IDENTITY],
                    extra={
                        # Every resource of these requests is the account's own; an S3 ARN names
                        # no account, the request context carries the bucket owner's. Requests on
                        # "*" (cloudwatch:PutMetricData) carry it too: the data perimeter guidance
                        # for CloudWatch lists no exception to an endpoint policy fencing on the
                        # resource's organization (aws-samples/data-perimeter-policy-examples,
                        # service_specific_guidance/cloudwatch-specific-guidance.md).
                        "aws:ResourceAccount": region.account,
                        "aws:SourceIp": None,
                        "aws:VpcSourceIp": first_address(sources[0]),
                        "aws:SourceVpc": region.vpc_id(),
                    },
                    resource_policy=ACCOUNT_TRUST if service == "sts" else None,
                )
            )
        yield Flow(view.integration.name, flow_name, origin, tuple(steps))


def _names(domain: str) -> list[str]:
    name = domain.removeprefix(".")
    return [name, f"airlock-proof.{name}"] if domain.startswith(".") else [name]


def dns_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    for position, domain in enumerate(_network(view).dns.allowed_domains):
        steps = tuple(dns_step(view, region, name, "on the DNS allow-list") for name in _names(domain))
        yield Flow(
            view.integration.name,
            f"DNS resolves {domain} ({region.region})",
            _origin(index, "dns", "allowed_domains", position),
            steps,
        )


def internal_name_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    """The VPC's own names resolve: an EC2 host name and a reverse lookup of a VPC address."""
    address = str(ipaddress.ip_network(_network(view).cidr).network_address + 10)
    host = f"ip-{address.replace('.', '-')}." + (
        "ec2.internal" if region.region == "us-east-1" else f"{region.region}.compute.internal"
    )
    reverse = ".".join(reversed(address.split("."))) + ".in-addr.arpa"
    steps = (
        dns_step(view, region, host, "an EC2 host name of the VPC"),
        dns_step(view, region, reverse, "a reverse lookup of a VPC address"),
    )
    yield Flow(view.integration.name, f"the VPC's own names resolve ({region.region})", _origin(index, "cidr"), steps)


def egress_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    egress = _network(view).egress
    if egress is None or region.stack is None:
        return
    stack = region.stack
    for position, domain in enumerate(egress.allowed_domains):
        steps: list[Step] = []
        for name in _names(domain):
            steps.append(dns_step(view, region, name, "an egress domain"))
            steps.append(
                fixed_step(
                    f"the Network Firewall passes TLS to {name}",
                    "network",
                    {"server_name": name},
                    functools.partial(network_firewall_admits, view.world, stack, name),
                )
            )
        steps.append(route_step(view, region))
        yield Flow(
            view.integration.name,
            f"egress to {domain} ({region.region})",
            _origin(index, "egress", "allowed_domains", position),
            tuple(steps),
        )


def route_step(view: IntegrationView, region: RegionView) -> Step:
    """The workload subnets send internet-bound traffic to a Network Firewall endpoint."""

    def decide() -> Decision:
        firewalls = {r.logical_id for r in region.resources("AWS::NetworkFirewall::Firewall")}
        routes = list(region.resources("AWS::EC2::Route"))
        through = [
            r
            for r in routes
            if r.properties.get("DestinationCidrBlock") == "0.0.0.0/0"
            and any(
                f'"{firewall}"' in repr(r.properties.get("VpcEndpointId")).replace("'", '"') for firewall in firewalls
            )
        ]
        gateways = [r for r in routes if "GatewayId" in r.properties]
        if not through:
            return Decision(Verdict.DENY, "no route sends 0.0.0.0/0 to a Network Firewall endpoint")
        if not gateways:
            return Decision(Verdict.DENY, "no route leads to an internet gateway")
        sources = tuple(Source("network-firewall", r.template, r.logical_id) for r in through)
        return Decision(Verdict.ALLOW, f"{len(through)} routes send internet traffic through the firewall", sources)

    return fixed_step("the workload subnets route to the internet through the firewall", "network", {}, decide)


def network_flows(view: IntegrationView, region: RegionView, index: int) -> list[Flow]:
    if region.stack is None or view.integration.network is None:
        return []
    flows: list[Flow] = []
    for builder in (
        vendor_endpoint_flows,
        exposed_api_flows,
        service_endpoint_flows,
        dns_flows,
        internal_name_flows,
        egress_flows,
    ):
        flows += builder(view, region, index)
    return flows
