"""The network part of an integration: VPC placement, PrivateLink, egress and DNS filtering.

Field-level checks live here; checks that need the rest of the integration (the vendor's AZ
IDs against the integration's, API targets inside the VPC CIDR) live in
:mod:`airlock.spec.network_checks`.
"""

from __future__ import annotations

import ipaddress
import itertools
import math
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator

from airlock.spec.base import SpecModel
from airlock.spec.types import LOG_RETENTION_DAYS, AccountId, AzId, Cidr, Name

#: Smallest subnet the network builder places (/28 is the smallest AWS allows).
MIN_SUBNET_PREFIX = 28

_SERVICE_NAME = re.compile(r"^com\.amazonaws\.vpce\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.vpce-svc-[0-9a-f]{17}$")
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_BUCKET_ARN = re.compile(r"^arn:aws:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9!_.*'()/-]*)?$")
_PRINCIPAL_ARN = re.compile(r"^arn:aws:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+)$")


def _service_name(value: Any) -> str:
    if not isinstance(value, str) or not _SERVICE_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a VPC endpoint service name; write it as the vendor gives it, "
            "'com.amazonaws.vpce.<region>.vpce-svc-<17 hex digits>' (e.g. "
            "'com.amazonaws.vpce.eu-central-1.vpce-svc-0123456789abcdef0')"
        )
    return value


def _domain(value: Any) -> str:
    """A domain as AWS Network Firewall writes it: ``api.x.com`` exactly, ``.x.com`` for x.com and below."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a domain; write it as 'api.example.com' or '.example.com'")
    if value.startswith("*"):
        fixed = value.lstrip("*")
        fixed = fixed if fixed.startswith(".") else "." + fixed
        if _domain_problem(fixed) is None:
            raise ValueError(
                f"'{value}' uses a '*' wildcard; AWS Network Firewall matches subdomains with a leading dot, "
                f"so write '{fixed}'"
            )
        under = fixed.strip(".")
        scope = f"every domain under '{under}'" if under else "every domain"
        raise ValueError(
            f"'{value}' is a wildcard for {scope}, which an allow-list cannot mean; list the vendor's own "
            "domains, e.g. 'api.vendor.example', or '.vendor.example' for it and every name below"
        )
    problem = _domain_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _not_internal(value: str) -> str:
    name = value.removeprefix(".")
    if name == "arpa" or name.endswith((".arpa", "compute.internal", "ec2.internal")):
        raise ValueError(
            f"'{value}' is a reverse-lookup or EC2 internal domain; the VPC's own names (its EC2 host names and "
            "the reverse lookups of its CIDR) resolve without listing them, and other reverse lookups stay "
            "blocked (they leave the VPC for the internet's name servers): remove it"
        )
    return value


def _domain_problem(value: str) -> str | None:
    name = value.removeprefix(".")
    labels = name.split(".")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return (
            f"'{value}' is an IP address; Network Firewall and DNS Firewall match names (TLS SNI, HTTP Host, DNS "
            "queries), not addresses, so list the name the integration connects to, e.g. 'api.vendor.example'"
        )
    if (
        value != value.lower()
        or len(name) > 253
        or len(labels) < 2
        or not all(map(_DOMAIN_LABEL.match, labels))
        or labels[-1].isdigit()
    ):
        return (
            f"'{value}' is not a domain; write a lowercase name such as 'api.example.com', or '.example.com' "
            "for example.com and every name below it"
        )
    return None


def _port(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise ValueError(f"{value!r} is not a TCP port; use a number from 1 to 65535, e.g. 443")
    return value


_PORT_RANGE = re.compile(r"^(\d{1,6})-(\d{1,6})$")


def _port_or_range(value: Any) -> int | str:
    """A TCP port (``443``) or an inclusive range written ``"from-to"`` (``"8443-8451"``)."""
    if not isinstance(value, str):
        return _port(value)
    match = _PORT_RANGE.match(value)
    if match is None:
        raise ValueError(
            f"{value!r} is not a TCP port or port range; write a port as a number (e.g. 443) or a range as "
            "'from-to' with the lower port first (e.g. '8443-8451')"
        )
    low, high = int(match[1]), int(match[2])
    first, last = min(low, high), max(low, high)
    fixed_first, fixed_last = max(first, 1), min(last, 65535)
    fix = f"'{fixed_first}-{fixed_last}'" if fixed_first < fixed_last else "a port from 1 to 65535 such as 443"
    if first < 1:
        raise ValueError(f"'{value}' includes port 0, which is no TCP port a client can connect to; write {fix}")
    if last > 65535:
        raise ValueError(f"'{value}' goes beyond 65535, the highest TCP port; write {fix}")
    if low > high:
        raise ValueError(f"'{value}' is reversed; write the lower port first: {fix}")
    if low == high:
        return low
    return f"{low}-{high}"


def port_bounds(port: int | str) -> tuple[int, int]:
    """(first, last) port of a spec port or ``"from-to"`` range, both inclusive."""
    if isinstance(port, int):
        return port, port
    low, high = port.split("-")
    return int(low), int(high)


def _private_source(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a CIDR; write an IPv4 block in quotes, e.g. '10.20.0.0/22'")
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        raise ValueError(f"'{value}' is not an IPv4 CIDR; write a network block such as '10.20.0.0/24'") from None
    if not network.is_private:
        raise ValueError(
            f"'{value}' is not a private range; endpoints admit sources of the organisation's private network only "
            "(a block of 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)"
        )
    return str(network)


def _ip(value: Any) -> str:
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an IPv4 address; write a private address such as '10.20.1.10'") from None
    if not address.is_private:
        raise ValueError(f"'{value}' is not a private address; NLB targets of an exposed API live in the VPC")
    return str(address)


def _principal(value: Any) -> str:
    if not isinstance(value, str) or not _PRINCIPAL_ARN.match(value):
        raise ValueError(
            f"{value!r} is not a named IAM principal; write 'arn:aws:iam::<12 digits>:root' or a role ARN "
            "('*' and wildcards are never allowed)"
        )
    return value


def _bucket_arn(value: Any) -> str:
    if not isinstance(value, str) or not _BUCKET_ARN.match(value):
        raise ValueError(
            f"{value!r} is not an S3 bucket ARN; write 'arn:aws:s3:::<bucket>' or 'arn:aws:s3:::<bucket>/<prefix>'"
        )
    return value


EndpointServiceName = Annotated[str, BeforeValidator(_service_name)]
Domain = Annotated[str, BeforeValidator(_domain)]
#: A domain of the DNS allow-list: not the VPC's own names, which resolve without it, nor other reverse lookups.
DnsDomain = Annotated[str, BeforeValidator(_domain), AfterValidator(_not_internal)]
Port = Annotated[int, BeforeValidator(_port)]
PortOrRange = Annotated[int | Annotated[str, Field(pattern=r"^\d{1,5}-\d{1,5}$")], BeforeValidator(_port_or_range)]
PrivateSourceCidr = Annotated[str, BeforeValidator(_private_source)]
IpAddress = Annotated[str, BeforeValidator(_ip)]
PrincipalArn = Annotated[str, BeforeValidator(_principal)]
BucketArn = Annotated[str, BeforeValidator(_bucket_arn)]

#: AWS services an integration may reach through a VPC endpoint (s3 is a gateway endpoint,
#: s3-interface the interface endpoint of the same service; kinesis-streams is Kinesis Data
#: Streams, kinesis-firehose Amazon Data Firehose; ecr.api and ecr.dkr the two ECR endpoints).
ServiceEndpointName = Literal[
    "sqs",
    "sns",
    "kms",
    "logs",
    "monitoring",
    "sts",
    "s3",
    "s3-interface",
    "secretsmanager",
    "ssm",
    "events",
    "execute-api",
    "kinesis-streams",
    "kinesis-firehose",
    "ecr.api",
    "ecr.dkr",
]


def _unique(value: list[Any], what: str) -> list[Any]:
    duplicates = sorted({str(item) for item in value if value.count(item) > 1})
    if duplicates:
        raise ValueError(f"{what} {duplicates} listed twice; list each once")
    return value


def _zone_name(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a zone name; write the vendor's domain, e.g. 'eu-central-1.vendor.example'")
    fixed = value.strip(".").lower()
    if value.startswith((".", "*")) or value.endswith("."):
        raise ValueError(
            f"'{value}' is not a zone name; write the domain itself, without a leading '.' or '*' or a trailing "
            f"dot (e.g. '{fixed.lstrip('*.') or 'eu-central-1.vendor.example'}'); the records name what lies below it"
        )
    problem = _domain_problem(value)
    if problem is not None and _domain_problem(value.lower()) is None:
        raise ValueError(f"'{value}' is not a zone name; write it in lowercase: '{value.lower()}'")
    if problem is not None:
        raise ValueError(f"'{value}' is not a zone name; write the vendor's domain, e.g. 'eu-central-1.vendor.example'")
    if value == "amazonaws.com" or value.endswith(".amazonaws.com"):
        raise ValueError(
            f"'{value}' is an AWS domain; a private hosted zone for it would answer AWS's own names in the VPC "
            "(and hide the service endpoints); write the domain under which the vendor publishes its names"
        )
    return value


_RECORD_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def _record_name(value: Any) -> str:
    """A record name relative to its zone: ``@`` (the zone itself), ``api``, ``*`` or ``*.use1-az1``."""
    example = "'*' for every name below the zone, 'api' for one name, '@' for the zone itself"
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a record name; write it relative to the zone: {example}")
    if value == "@":
        return value
    labels = value.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    elif "*" in value:
        raise ValueError(
            f"'{value}' has a '*' that is not the whole leftmost label; Route 53 treats only a leftmost '*' as a "
            f"wildcard, so write e.g. '*.{'.'.join(label for label in labels if '*' not in label) or 'use1-az1'}' or "
            "one name per record"
        )
    if value.endswith(".") or not all(map(_RECORD_LABEL.match, labels)):
        raise ValueError(f"'{value}' is not a record name; write it relative to the zone in lowercase: {example}")
    return value


ZoneName = Annotated[str, BeforeValidator(_zone_name)]
RecordName = Annotated[str, BeforeValidator(_record_name)]


class HostedZoneRecord(SpecModel):
    """A record of a vendor endpoint's private hosted zone; it answers with the endpoint's regional DNS name."""

    name: RecordName = Field(
        description="Name relative to the zone: '*' (every name below it), 'api', '*.use1-az1', or '@' (the zone)."
    )
    type: Literal["CNAME", "ALIAS"] = Field(
        default="CNAME",
        description="CNAME to the endpoint's regional DNS name (what most vendors document), or an alias A record "
        "to the endpoint (needed at the zone apex '@', where DNS allows no CNAME).",
    )


class HostedZone(SpecModel):
    """A Route 53 private hosted zone for names the vendor publishes under its own domain."""

    name: ZoneName = Field(
        description="The domain the vendor's clients connect to, e.g. 'eu-central-1.aws.private.confluent.cloud'."
    )
    records: list[HostedZoneRecord] = Field(
        min_length=1, description="Records that point at the endpoint, e.g. [{name: '*'}] for every name below."
    )

    @field_validator("records")
    @classmethod
    def _unique_records(cls, value: list[HostedZoneRecord]) -> list[HostedZoneRecord]:
        return _unique([record.name for record in value], "records") and value


class VendorEndpoint(SpecModel):
    """An interface endpoint to an endpoint service the vendor offers (PrivateLink, consumer side)."""

    name: Name = Field(description="Short name of the endpoint, unique within the integration (e.g. 'crm-api').")
    service_name: EndpointServiceName = Field(
        description="The vendor's endpoint service name, com.amazonaws.vpce.<region>.vpce-svc-<hex>."
    )
    az_ids: list[AzId] = Field(
        min_length=1,
        description="AZ IDs the vendor's endpoint service is offered in; must overlap the integration's AZ IDs.",
    )
    ports: list[PortOrRange] = Field(
        min_length=1,
        description="TCP ports the endpoint admits: single ports and inclusive 'from-to' ranges, "
        "e.g. [443, '8443-8451'].",
    )
    sources: list[PrivateSourceCidr] = Field(
        min_length=1, description="Private CIDRs that may connect to the endpoint (0.0.0.0/0 is refused)."
    )
    private_dns: bool = Field(default=False, description="Enable the vendor's private DNS name in the VPC.")
    hosted_zone: HostedZone | None = Field(
        default=None,
        description="A private hosted zone in the VPC whose records point at this endpoint, for vendors that "
        "publish names under their own domain and ask you to host them (needs private_dns: false).",
    )

    @field_validator("az_ids")
    @classmethod
    def _unique_az_ids(cls, value: list[str]) -> list[str]:
        return _unique(value, "AZ IDs")

    @field_validator("ports")
    @classmethod
    def _unique_ports(cls, value: list[int | str]) -> list[int | str]:
        _unique(value, "ports")
        spans = sorted((port_bounds(port), port) for port in value)
        for ((_, last), first_port), ((first, _), second_port) in itertools.pairwise(spans):
            if first <= last:
                raise ValueError(
                    f"ports {first_port!r} and {second_port!r} overlap; list each port once, e.g. as one range "
                    f"'{spans[0][0][0]}-{max(bounds[1] for bounds, _ in spans)}' or as ports that do not overlap"
                    if isinstance(first_port, str) or isinstance(second_port, str)
                    else f"ports {first_port!r} and {second_port!r} overlap; list each port once"
                )
        return value

    def port_ranges(self) -> list[tuple[int, int]]:
        """The declared ports as (first, last) pairs, in the order written."""
        return [port_bounds(port) for port in self.ports]


class ExposedApi(SpecModel):
    """An API the organisation offers to the vendor: NLB + endpoint service (PrivateLink, provider side)."""

    name: Name = Field(description="Short name of the API, unique within the integration.")
    ports: list[Port] = Field(min_length=1, description="TCP ports the NLB listens on and forwards.")
    targets: list[IpAddress] = Field(
        min_length=1, description="Private IPv4 addresses in the integration's VPC that serve the API."
    )
    allowed_principals: list[PrincipalArn] = Field(
        default_factory=list,
        description="Principals allowed to connect; default: the root of each vendor account. Never '*'.",
    )

    @field_validator("ports")
    @classmethod
    def _unique_ports(cls, value: list[int]) -> list[int]:
        return _unique(value, "ports")


class Egress(SpecModel):
    """Filtered egress to the internet: AWS Network Firewall with a domain allow-list."""

    allowed_domains: list[Domain] = Field(
        min_length=1,
        description="Domains reachable over TLS (SNI) and HTTP (Host): 'api.x.com', or '.x.com' for x.com and below.",
    )

    @field_validator("allowed_domains")
    @classmethod
    def _unique_domains(cls, value: list[str]) -> list[str]:
        return _unique(value, "domains")


class Dns(SpecModel):
    """Route 53 Resolver DNS Firewall: these names resolve, every other query is blocked."""

    allowed_domains: list[DnsDomain] = Field(
        default_factory=list,
        description="Domains the VPC may resolve besides egress domains and AWS service endpoints.",
    )

    @field_validator("allowed_domains")
    @classmethod
    def _unique_domains(cls, value: list[str]) -> list[str]:
        return _unique(value, "domains")


class VendorResources(SpecModel):
    """A vendor account whose resources the AWS service endpoints admit, for the listed services only.

    Every endpoint policy admits the organisation's principals to the intermediate account's
    own resources; a vendor that hands over a bucket, stream or registry in its own account is
    admitted here, explicitly and with the reason (shown in the register).
    """

    account_id: AccountId = Field(description="The vendor's AWS account that owns the resources.")
    services: list[ServiceEndpointName] = Field(
        min_length=1,
        description="Service endpoints (of network.service_endpoints) that may reach this account's resources.",
    )
    reason: str = Field(
        min_length=20,
        max_length=512,
        description="Why the workload reaches the vendor's resources (e.g. 'the vendor's agent image is pulled from "
        "its ECR registry: <link>'); shown in the register.",
    )

    @field_validator("services")
    @classmethod
    def _unique_services(cls, value: list[str]) -> list[str]:
        return _unique(value, "services")


class Network(SpecModel):
    """The intermediate account's VPC, placed by AZ ID, and every path into and out of it."""

    cidr: Cidr = Field(description="IPv4 CIDR of the integration's VPC, e.g. 10.20.0.0/22.")
    az_ids: list[AzId] = Field(
        min_length=2,
        description="AZ IDs (not names) to place subnets in; at least two per region of the integration.",
    )
    az_names: dict[AzId, str] = Field(
        default_factory=dict,
        description="Optional AZ ID -> AZ name mapping of THIS integration's account (AZ names differ per "
        "account). Only for tools that cannot place a subnet by AZ ID; leave empty for AWS.",
    )
    flow_log_retention_days: int = Field(default=365, description="Retention of the VPC flow-log group, in days.")
    flow_log_archive_bucket: BucketArn | None = Field(
        default=None, description="Also deliver flow logs to this central log-archive bucket (another account)."
    )
    vendor_endpoints: list[VendorEndpoint] = Field(
        default_factory=list, description="Interface endpoints to the vendor's endpoint services (PrivateLink)."
    )
    exposed_apis: list[ExposedApi] = Field(
        default_factory=list, description="APIs offered to the vendor through an endpoint service (PrivateLink)."
    )
    service_endpoints: list[ServiceEndpointName] = Field(
        default_factory=list, description="AWS services reached through VPC endpoints restricted to the organization."
    )
    vendor_resources: list[VendorResources] = Field(
        default_factory=list,
        description="Vendor accounts whose resources the service endpoints admit, per service, each with the reason. "
        "Default: none; the endpoints reach the intermediate account's own resources only.",
    )
    service_endpoint_sources: list[PrivateSourceCidr] = Field(
        default_factory=list,
        description="CIDRs that may use the AWS service endpoints on 443. Default: the VPC's own CIDR.",
    )
    egress: Egress | None = Field(
        default=None, description="Filtered internet egress through AWS Network Firewall. Default: none at all."
    )
    dns: Dns = Field(default_factory=Dns, description="DNS Firewall allow-list (always on, blocks everything else).")

    @field_validator("az_ids")
    @classmethod
    def _unique_az_ids(cls, value: list[str]) -> list[str]:
        duplicates = sorted({az for az in value if value.count(az) > 1})
        if duplicates:
            raise ValueError(f"AZ IDs {duplicates} are listed twice; list each AZ ID once")
        return value

    @field_validator("service_endpoints")
    @classmethod
    def _unique_services(cls, value: list[str]) -> list[str]:
        return _unique(value, "services")

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS, key=lambda d: abs(d - value))
            raise ValueError(
                f"{value} days is not a retention CloudWatch Logs accepts; use one of "
                f"{', '.join(map(str, LOG_RETENTION_DAYS))} (nearest: {nearest})"
            )
        return value

    def subnet_prefix(self, az_count: int) -> int:
        """Prefix length of the smallest subnet when the CIDR is laid out across ``az_count`` AZs.

        Without egress the CIDR is split evenly into one subnet per AZ. With egress it is split
        into twice as many blocks: one workload subnet per AZ, and per AZ a block halved into a
        firewall subnet and a public (NAT) subnet.
        """
        prefix = int(self.cidr.split("/")[1])
        blocks = max(az_count, 1) * (2 if self.egress is not None else 1)
        prefix += max(1, math.ceil(math.log2(blocks)))
        return prefix + (1 if self.egress is not None else 0)


def subnet_layout(cidr: str, az_count: int, *, egress: bool) -> tuple[list[str], list[str]]:
    """(workload subnets, firewall and public subnets) of a VPC, as the network builder lays them out.

    Without egress the CIDR is split into one block per AZ (rounded up to a power of two, at
    least two); with egress into twice as many, the second half of them each halved into a
    firewall and a public subnet. ``airlock.constructs`` lays them out the same way (a test
    holds the two equal).
    """
    network = ipaddress.IPv4Network(cidr)
    bits = max(1, math.ceil(math.log2(max(az_count * (2 if egress else 1), 1))))
    blocks = list(network.subnets(new_prefix=min(network.prefixlen + bits, 32)))
    workload = [str(block) for block in blocks[:az_count]]
    if not egress:
        return workload, []
    halves = [half for block in blocks[az_count : 2 * az_count] for half in block.subnets(prefixlen_diff=1)]
    return workload, [str(half) for half in halves]


def subnet_blocks(cidr: str, az_count: int, egress: Egress | None) -> list[ipaddress.IPv4Network]:
    """Every subnet of the VPC in a region with ``az_count`` AZs (see :func:`subnet_layout`)."""
    workload, edge = subnet_layout(cidr, az_count, egress=egress is not None)
    return [ipaddress.IPv4Network(subnet) for subnet in (*workload, *edge)]


__all__ = [
    "MIN_SUBNET_PREFIX",
    "Cidr",
    "Dns",
    "DnsDomain",
    "Domain",
    "Egress",
    "EndpointServiceName",
    "ExposedApi",
    "HostedZone",
    "HostedZoneRecord",
    "Network",
    "PortOrRange",
    "ServiceEndpointName",
    "VendorEndpoint",
    "VendorResources",
    "port_bounds",
    "subnet_blocks",
    "subnet_layout",
]
