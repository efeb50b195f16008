"""The AWS services :class:`~airlock.constructs.ServiceEndpoints` knows by name: which endpoint
service each is, whether it is a gateway, and the DNS names a client of it resolves.

A name listed here differs from the plain ``com.amazonaws.<region>.<name>`` with
``<name>.<region>.amazonaws.com`` that every other service uses. ``{region}`` and ``{account}``
are filled in per endpoint; a name with ``{account}`` is repeated for every account whose
resources the endpoint admits (the names are account-specific).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AwsService:
    """One AWS service reached through a VPC endpoint."""

    #: ``<x>`` of the endpoint service name ``com.amazonaws.<region>.<x>``.
    endpoint_service: str
    gateway: bool
    #: DNS names clients resolve; ``.name`` means the name and every name below it.
    names: tuple[str, ...]


AWS_SERVICES: dict[str, AwsService] = {
    "s3": AwsService("s3", True, ("s3.{region}.amazonaws.com", ".s3.{region}.amazonaws.com")),
    "dynamodb": AwsService("dynamodb", True, ("dynamodb.{region}.amazonaws.com", ".dynamodb.{region}.amazonaws.com")),
    # The interface endpoint of S3 (AWS PrivateLink for Amazon S3): with private DNS it answers
    # the same regional names as the gateway, bucket names below them included.
    "s3-interface": AwsService("s3", False, ("s3.{region}.amazonaws.com", ".s3.{region}.amazonaws.com")),
    # Kinesis Data Streams: the regional name, and the account-level control-plane and data-plane
    # names SDKs use when a request names a stream ARN ("allowlist the following account-level
    # endpoints": *.control-kinesis.<Region>.amazonaws.com, *.data-kinesis.<Region>.amazonaws.com,
    # Kinesis Data Streams developer guide, quotas and limits).
    "kinesis-streams": AwsService(
        "kinesis-streams",
        False,
        (
            "kinesis.{region}.amazonaws.com",
            "{account}.control-kinesis.{region}.amazonaws.com",
            "{account}.data-kinesis.{region}.amazonaws.com",
        ),
    ),
    # Amazon Data Firehose: firehose.<region>.amazonaws.com (its endpoint service is kinesis-firehose).
    "kinesis-firehose": AwsService("kinesis-firehose", False, ("firehose.{region}.amazonaws.com",)),
    # "When connecting to Amazon ECR through an AWS PrivateLink VPC endpoint, you must use the
    # api.ecr endpoint" (Amazon ECR endpoints and quotas); the Docker registry answers as
    # <account>.dkr.ecr.<region>.amazonaws.com, one name per registry (account).
    "ecr.api": AwsService("ecr.api", False, ("api.ecr.{region}.amazonaws.com",)),
    "ecr.dkr": AwsService("ecr.dkr", False, ("{account}.dkr.ecr.{region}.amazonaws.com",)),
}

#: The S3 bucket AWS serves ECR image layers from: "prod-<region>-starport-layer-bucket"
#: (Amazon ECR interface VPC endpoints, "Minimum Amazon S3 bucket permissions for Amazon ECR").
ECR_LAYER_BUCKET = "prod-{region}-starport-layer-bucket"


def aws_service(name: str) -> AwsService:
    """The catalogue entry of ``name``, or the plain shape every unlisted service has."""
    return AWS_SERVICES.get(name) or AwsService(name, False, (f"{name}.{{region}}.amazonaws.com",))


def dns_names(name: str, region: str, accounts: list[str]) -> list[str]:
    """The names a client of service ``name`` resolves in ``region`` for resources of ``accounts``."""
    out: list[str] = []
    for template in aws_service(name).names:
        if "{account}" in template:
            out += [template.format(region=region, account=account) for account in accounts]
        else:
            out.append(template.format(region=region))
    return out
