"""The AWS service endpoints of ``network.service_endpoints`` as the proof sees them.

Which endpoint a spec service is (``s3`` is the gateway and ``s3-interface`` the interface
endpoint of the same endpoint service ``com.amazonaws.<region>.s3``), the first name a client
resolves, and one representative request. The construct side
(:mod:`airlock.constructs._aws_services`) holds the same endpoint services and names; a test
holds the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass

from airlock.access.view import RegionView
from airlock.access.world import Endpoint


@dataclass(frozen=True)
class EndpointService:
    """What the proof needs of one spec service endpoint."""

    #: ``<x>`` of ``com.amazonaws.<region>.<x>``.
    endpoint_service: str
    kind: str
    #: The name a client resolves first (``{region}``, ``{account}`` of the resource's account).
    name: str
    #: A representative request: the action and a resource ARN (``{region}``, ``{account}``).
    action: str
    resource: str


_S3_OBJECT = "arn:aws:s3:::airlock-proof-{account}/airlock-proof.csv"

#: The services of ``network.service_endpoints`` as the proof sees them. The construct side
#: (airlock.constructs._aws_services) holds the same endpoint services and names; a test holds
#: the two equal.
ENDPOINT_SERVICES: dict[str, EndpointService] = {
    "sqs": EndpointService(
        "sqs",
        "Interface",
        "sqs.{region}.amazonaws.com",
        "sqs:SendMessage",
        "arn:aws:sqs:{region}:{account}:airlock-proof",
    ),
    "sns": EndpointService(
        "sns", "Interface", "sns.{region}.amazonaws.com", "sns:Publish", "arn:aws:sns:{region}:{account}:airlock-proof"
    ),
    "kms": EndpointService(
        "kms",
        "Interface",
        "kms.{region}.amazonaws.com",
        "kms:Decrypt",
        "arn:aws:kms:{region}:{account}:key/00000000-0000-4000-8000-000000000000",
    ),
    "logs": EndpointService(
        "logs",
        "Interface",
        "logs.{region}.amazonaws.com",
        "logs:PutLogEvents",
        "arn:aws:logs:{region}:{account}:log-group:airlock-proof",
    ),
    # cloudwatch:PutMetricData acts on "*": no resource account to fence or widen.
    "monitoring": EndpointService(
        "monitoring", "Interface", "monitoring.{region}.amazonaws.com", "cloudwatch:PutMetricData", "*"
    ),
    "sts": EndpointService(
        "sts",
        "Interface",
        "sts.{region}.amazonaws.com",
        "sts:AssumeRole",
        "arn:aws:iam::{account}:role/airlock-proof-role",
    ),
    "s3": EndpointService("s3", "Gateway", "s3.{region}.amazonaws.com", "s3:GetObject", _S3_OBJECT),
    "s3-interface": EndpointService("s3", "Interface", "s3.{region}.amazonaws.com", "s3:GetObject", _S3_OBJECT),
    "secretsmanager": EndpointService(
        "secretsmanager",
        "Interface",
        "secretsmanager.{region}.amazonaws.com",
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:{region}:{account}:secret:airlock-proof",
    ),
    "ssm": EndpointService(
        "ssm",
        "Interface",
        "ssm.{region}.amazonaws.com",
        "ssm:GetParameter",
        "arn:aws:ssm:{region}:{account}:parameter/airlock-proof",
    ),
    "events": EndpointService(
        "events",
        "Interface",
        "events.{region}.amazonaws.com",
        "events:PutEvents",
        "arn:aws:events:{region}:{account}:event-bus/airlock-proof",
    ),
    "execute-api": EndpointService(
        "execute-api",
        "Interface",
        "execute-api.{region}.amazonaws.com",
        "execute-api:Invoke",
        "arn:aws:execute-api:{region}:{account}:airlockproof/prod/GET/",
    ),
    "kinesis-streams": EndpointService(
        "kinesis-streams",
        "Interface",
        "{account}.data-kinesis.{region}.amazonaws.com",
        "kinesis:PutRecord",
        "arn:aws:kinesis:{region}:{account}:stream/airlock-proof",
    ),
    "kinesis-firehose": EndpointService(
        "kinesis-firehose",
        "Interface",
        "firehose.{region}.amazonaws.com",
        "firehose:PutRecord",
        "arn:aws:firehose:{region}:{account}:deliverystream/airlock-proof",
    ),
    "ecr.api": EndpointService(
        "ecr.api",
        "Interface",
        "api.ecr.{region}.amazonaws.com",
        "ecr:DescribeImages",
        "arn:aws:ecr:{region}:{account}:repository/airlock-proof",
    ),
    "ecr.dkr": EndpointService(
        "ecr.dkr",
        "Interface",
        "{account}.dkr.ecr.{region}.amazonaws.com",
        "ecr:BatchGetImage",
        "arn:aws:ecr:{region}:{account}:repository/airlock-proof",
    ),
}


def service_endpoint(region: RegionView, service: str) -> Endpoint | None:
    """The endpoint of spec service ``service`` in ``region`` (matched on service name and type)."""
    known = ENDPOINT_SERVICES.get(service)
    endpoint_service = known.endpoint_service if known else service
    kind = known.kind if known else None
    for (stack, _), endpoint in region.world.endpoints.items():
        if stack != region.stack or endpoint.service_name != f"com.amazonaws.{region.region}.{endpoint_service}":
            continue
        if kind is None or endpoint.kind == kind:
            return endpoint
    return None


def service_dns_name(service: str, region: str, account: str) -> str:
    """The first name a client of ``service`` resolves for a resource of ``account``."""
    known = ENDPOINT_SERVICES.get(service)
    template = known.name if known else f"{service}.{{region}}.amazonaws.com"
    return template.format(region=region, account=account)
