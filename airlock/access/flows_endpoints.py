"""AWS service endpoints in the proof: which endpoint a service is, the name a client resolves,
and the requests beyond the account's own resources.

* :func:`vendor_resource_flows`: for each ``network.vendor_resources`` entry and service, a
  workload of the intermediate account reaches a resource of the vendor's account through
  the endpoint (the vendor's own resource policy is supposed to admit it: it is in the
  vendor's account, out of the templates);
* :func:`ecr_layer_flows`: with ``ecr.dkr``, an image layer downloads from ECR's layer bucket
  through the S3 gateway (the request is presigned by ECR, whose identity is not the
  organisation's: "GetDownloadUrlForLayer returns an Amazon S3 presigned URL ... created with
  an Amazon ECR service account identity", data perimeter service-specific guidance for ECR);
* :data:`ENDPOINT_PROBES`: the same workload is denied a resource of an account outside the
  organisation and the vendors through every service endpoint, a vendor's resource through an
  endpoint the vendor was not admitted to, and a write to ECR's layer bucket.

The endpoint policy decides each of these: VPC endpoint policies are evaluated with the
request's ``aws:PrincipalOrgID`` and ``aws:ResourceAccount`` like any other policy
(https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
"""

from __future__ import annotations

from collections.abc import Iterator

from airlock.access.endpoint_services import ENDPOINT_SERVICES, service_dns_name, service_endpoint
from airlock.access.flows_network import connect_steps, dns_step
from airlock.access.model import Principal, Source
from airlock.access.policy import parse_policy
from airlock.access.probes_common import OUTSIDER_ACCOUNT, probe
from airlock.access.steps import Flow, Probe, Step, iam_step, missing_step
from airlock.access.view import IntegrationView, RegionView, first_address
from airlock.access.world import Endpoint
from airlock.spec.errors import format_path

#: ECR's image-layer bucket of a region (Amazon ECR interface VPC endpoints, "Minimum Amazon S3
#: bucket permissions for Amazon ECR").
ECR_LAYER_OBJECT = "arn:aws:s3:::prod-{region}-starport-layer-bucket/airlock-proof-layer"

#: A workload of the intermediate account whose own policies allow everything.
WORKLOAD_IDENTITY = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    Source("identity", name="a workload of the intermediate account (allowed everything by its own policies)"),
)

#: The resource policy of a resource in another account (a vendor's, an outsider's, AWS's):
#: out of the templates, supposed to admit every request, so the endpoint policy alone decides.
FOREIGN_RESOURCE = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
    Source("resource", name="the resource policy of a resource in another account (supposed to admit the request)"),
)


def _origin(index: int, *rest: str | int) -> str:
    return format_path(("integrations", index, "network", *rest))


def _workload(region: RegionView) -> Principal:
    return Principal.role(f"arn:aws:iam::{region.account}:role/airlock-proof-workload", session="workload")


def _request(
    view: IntegrationView, region: RegionView, service: str, endpoint: Endpoint, account: str, title: str
) -> Step:
    known = ENDPOINT_SERVICES[service]
    resource = known.resource.format(region=region.region, account=account)
    network = view.integration.network
    assert network is not None  # only integrations with a network have service endpoints
    source = (list(network.service_endpoint_sources) or [network.cidr])[0]
    return iam_step(
        view.world,
        title,
        _workload(region),
        known.action,
        resource,
        region=region.region,
        endpoint=endpoint,
        identity=[WORKLOAD_IDENTITY],
        # An S3 ARN names no account; the request context carries the bucket owner's.
        extra={
            "aws:ResourceAccount": account,
            "aws:SourceIp": None,
            "aws:VpcSourceIp": first_address(source),
            "aws:SourceVpc": region.vpc_id(),
        },
        resource_policy=FOREIGN_RESOURCE,
    )


def vendor_resource_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    network = view.integration.network
    if network is None or region.stack is None:
        return
    sources = list(network.service_endpoint_sources) or [network.cidr]
    for position, entry in enumerate(network.vendor_resources):
        for service in entry.services:
            name = f"vendor resources of {entry.account_id} through the {service} endpoint ({region.region})"
            origin = _origin(index, "vendor_resources", position)
            endpoint = service_endpoint(region, service)
            if endpoint is None or service not in ENDPOINT_SERVICES:
                yield Flow(view.integration.name, name, origin, (missing_step(name, f"no {service} endpoint"),))
                continue
            dns = service_dns_name(service, region.region, entry.account_id)
            steps = [dns_step(view, region, dns, f"the {service} endpoint, vendor account {entry.account_id}")]
            if endpoint.kind == "Interface":
                steps += connect_steps(view, region, endpoint, sources, [443])
            title = f"a workload calls {ENDPOINT_SERVICES[service].action} on a resource of vendor account " + (
                f"{entry.account_id} through the {service} endpoint"
            )
            steps.append(_request(view, region, service, endpoint, entry.account_id, title))
            yield Flow(view.integration.name, name, origin, tuple(steps))


def ecr_layer_flows(view: IntegrationView, region: RegionView, index: int) -> Iterator[Flow]:
    network = view.integration.network
    if network is None or region.stack is None or "ecr.dkr" not in network.service_endpoints:
        return
    position = list(dict.fromkeys(network.service_endpoints)).index("ecr.dkr")
    name = f"ECR image layers through the s3 endpoint ({region.region})"
    origin = _origin(index, "service_endpoints", position)
    endpoint = service_endpoint(region, "s3")
    if endpoint is None:
        yield Flow(view.integration.name, name, origin, (missing_step(name, "no s3 gateway endpoint"),))
        return
    bucket_name = f"prod-{region.region}-starport-layer-bucket.s3.{region.region}.amazonaws.com"
    # The presigning identity is ECR's own, in an AWS account outside the organisation.
    ecr = Principal.role(f"arn:aws:iam::{OUTSIDER_ACCOUNT}:role/ecr-layer-presigner", session="ecr")
    steps = [
        dns_step(view, region, bucket_name, "ECR's image-layer bucket"),
        iam_step(
            view.world,
            "a layer download presigned by ECR passes the s3 endpoint",
            ecr,
            "s3:GetObject",
            ECR_LAYER_OBJECT.format(region=region.region),
            region=region.region,
            endpoint=endpoint,
            identity=[WORKLOAD_IDENTITY],
            extra={"aws:SourceVpc": region.vpc_id()},
            resource_policy=FOREIGN_RESOURCE,
        ),
    ]
    yield Flow(view.integration.name, name, origin, tuple(steps))


def endpoint_flows(view: IntegrationView, region: RegionView, index: int) -> list[Flow]:
    """The flows of this module for one integration region."""
    return [*vendor_resource_flows(view, region, index), *ecr_layer_flows(view, region, index)]


def outside_account_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """Through each service endpoint, a resource of an account outside the organisation and the
    vendors is denied, and so is a vendor's resource through an endpoint not admitted for it."""
    network = view.integration.network
    if network is None:
        return
    admitted = {(service, e.account_id) for e in network.vendor_resources for service in e.services}
    vendor_accounts = list(dict.fromkeys(e.account_id for e in network.vendor_resources))
    for service in dict.fromkeys(network.service_endpoints):
        endpoint = service_endpoint(region, service)
        if endpoint is None or service not in ENDPOINT_SERVICES or ENDPOINT_SERVICES[service].resource == "*":
            continue
        action = ENDPOINT_SERVICES[service].action
        yield probe(
            view,
            f"reach a resource of outside account {OUTSIDER_ACCOUNT} through the {service} endpoint",
            "the endpoint policy's resource-account fence",
            _request(
                view,
                region,
                service,
                endpoint,
                OUTSIDER_ACCOUNT,
                f"a workload calls {action} on a resource of {OUTSIDER_ACCOUNT} through the {service} endpoint",
            ),
        )
        for account in vendor_accounts:
            if (service, account) in admitted:
                continue
            yield probe(
                view,
                f"reach vendor account {account} through the {service} endpoint it is not admitted to",
                "the endpoint policy admits a vendor account only for its declared services",
                _request(
                    view,
                    region,
                    service,
                    endpoint,
                    account,
                    f"a workload calls {action} on a resource of "
                    f"vendor account {account} through the {service} endpoint",
                ),
            )


def ecr_layer_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """ECR's layer bucket is readable through the S3 endpoint, never writable."""
    network = view.integration.network
    if network is None or "ecr.dkr" not in network.service_endpoints:
        return
    endpoint = service_endpoint(region, "s3")
    if endpoint is None:
        return
    step = iam_step(
        view.world,
        "a workload writes into ECR's image-layer bucket through the s3 endpoint",
        _workload(region),
        "s3:PutObject",
        ECR_LAYER_OBJECT.format(region=region.region),
        region=region.region,
        endpoint=endpoint,
        identity=[WORKLOAD_IDENTITY],
        extra={"aws:SourceVpc": region.vpc_id()},
        resource_policy=FOREIGN_RESOURCE,
    )
    yield probe(view, "write into ECR's image-layer bucket", "the endpoint policy admits only s3:GetObject there", step)


ENDPOINT_PROBES = (outside_account_probes, ecr_layer_probes)
