"""A private hosted zone for a vendor's names, answered by a PrivateLink endpoint.

Some vendors publish the names their clients connect to under their own domain and ask the
customer to host them in the VPC: a private hosted zone for that domain whose records point
at the interface endpoint (Confluent Cloud's ``*.<region>.aws.private.confluent.cloud``, a
wildcard CNAME to the endpoint's DNS name). Such services offer no private DNS name of their
own, so the endpoint runs with private DNS off, and the two are refused together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import aws_cdk as cdk
import jsii
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_route53 as route53
from constructs import Construct

from airlock.constructs.privatelink import VendorEndpoint

_ZONE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")

#: TTL of the records: short, so that a replaced endpoint is picked up within minutes.
RECORD_TTL = cdk.Duration.minutes(5)


@dataclass(frozen=True)
class ZoneRecord:
    """A record of the zone: ``name`` relative to it (``*``, ``api``, ``*.use1-az1``, ``@`` for the apex);
    ``CNAME`` to the endpoint's regional DNS name, or ``ALIAS`` (an alias A record to the endpoint)."""

    name: str
    type: Literal["CNAME", "ALIAS"] = "CNAME"


def _check_record(zone_name: str, record: ZoneRecord) -> None:
    if record.type not in ("CNAME", "ALIAS"):
        raise ValueError(f"records contains {record!r}; a record is a CNAME or an ALIAS")
    if record.name == "@":
        if record.type == "CNAME":
            raise ValueError(
                f"records contains a CNAME at the apex of {zone_name}; DNS forbids it beside the zone's SOA and NS "
                "records: use ZoneRecord('@', 'ALIAS')"
            )
        return
    labels = record.name.split(".")
    if labels[0] == "*":
        labels = labels[1:]
    if record.name != "*" and not all(map(_LABEL.match, labels)):
        raise ValueError(
            f"records contains '{record.name}'; write names relative to the zone: '*', 'api', '*.use1-az1' or '@'"
        )


@jsii.implements(route53.IAliasRecordTarget)
class _EndpointAlias:
    def __init__(self, endpoint: VendorEndpoint) -> None:
        self._endpoint = endpoint

    def bind(self, _record: Any, _zone: Any = None) -> route53.AliasRecordTargetConfig:
        return route53.AliasRecordTargetConfig(
            dns_name=self._endpoint.regional_dns_name, hosted_zone_id=self._endpoint.dns_hosted_zone_id
        )


def _record_id(name: str) -> str:
    if name == "@":
        return "Apex"
    return "-".join("Wildcard" if label == "*" else label for label in name.split("."))


class VendorHostedZone(Construct):
    """A Route 53 private hosted zone associated with ``vpc`` whose ``records`` answer with ``endpoint``.

    The zone answers only inside the VPC. Each record is a CNAME to the endpoint's regional
    DNS name (TTL five minutes), or an alias A record to the endpoint where a CNAME cannot
    stand (the zone apex). The names are meant for the DNS Firewall's allow-list of names
    the project itself generates (:meth:`dns_names`): the zone answers them from the VPC, so
    nothing of them leaves it.

    :param vpc: the VPC to associate the zone with (the endpoint's VPC).
    :param endpoint: the vendor endpoint the records point at; its private DNS must be off
        (a service with a private DNS name of its own needs no zone; the two would compete).
    :param zone_name: the vendor's domain, e.g. ``eu-central-1.aws.private.confluent.cloud``.
    :param records: the records, at least one; names relative to the zone.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        vpc: ec2.IVpc,
        endpoint: VendorEndpoint,
        zone_name: str,
        records: Sequence[ZoneRecord],
    ) -> None:
        super().__init__(scope, id)
        if endpoint.private_dns:
            raise ValueError(
                f"endpoint to {endpoint.service_name} has private DNS on; AWS then answers the service's own "
                "private DNS name, and a zone of the vendor's names beside it competes with it: create the "
                "endpoint with private_dns=False"
            )
        if not _ZONE.match(zone_name) or zone_name == "amazonaws.com" or zone_name.endswith(".amazonaws.com"):
            raise ValueError(
                f"zone_name '{zone_name}' is not a vendor's domain; write a lowercase domain outside amazonaws.com, "
                "e.g. 'eu-central-1.vendor.example'"
            )
        if not records:
            raise ValueError("records is empty; give at least one, e.g. [ZoneRecord('*')]")
        names = [record.name for record in records]
        if len(set(names)) != len(names):
            raise ValueError(f"records names {sorted(names)} repeat a name; give each name one record")
        for record in records:
            _check_record(zone_name, record)
        self.zone_name = zone_name
        self.endpoint = endpoint
        self.records = tuple(records)
        self.hosted_zone = route53.PrivateHostedZone(
            self, "Resource", zone_name=zone_name, vpc=vpc, comment=f"Names of {endpoint.service_name} in the VPC"
        )
        self.record_sets: list[route53.RecordSet] = []
        for record in records:
            full = f"{self.fqdn(record)}."
            if record.type == "CNAME":
                made: route53.RecordSet = route53.CnameRecord(
                    self,
                    _record_id(record.name),
                    zone=self.hosted_zone,
                    record_name=full,
                    domain_name=endpoint.regional_dns_name,
                    ttl=RECORD_TTL,
                )
            else:
                made = route53.ARecord(
                    self,
                    _record_id(record.name),
                    zone=self.hosted_zone,
                    record_name=full,
                    target=route53.RecordTarget.from_alias(_EndpointAlias(endpoint)),
                )
            self.record_sets.append(made)

    def fqdn(self, record: ZoneRecord) -> str:
        """The record's full name, without the trailing dot (``*.zone`` for the wildcard)."""
        return self.zone_name if record.name == "@" else f"{record.name}.{self.zone_name}"

    @property
    def hosted_zone_id(self) -> str:
        return self.hosted_zone.hosted_zone_id

    def dns_names(self) -> list[str]:
        """The names the records answer, for a DNS allow-list (``.x.com`` for x.com and below).

        A wildcard record ``*.sub`` answers every name below ``sub.<zone>``, given as
        ``.sub.<zone>``; any other record its one name.
        """
        out = []
        for record in self.records:
            full = self.fqdn(record)
            out.append("." + full[2:] if full.startswith("*.") else full)
        return list(dict.fromkeys(out))
