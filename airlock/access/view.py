"""One integration as the world holds it: its account, stacks, queues, keys, roles and network.

The spec says what an integration declares; this view finds each declared thing among the
resolved templates by what AWS would know it by (a queue by its name, a bucket by its name,
a key by the ARN its queue or bucket names, the vendor's role by the trust that admits the
declared principals). Whatever is declared but not found is ``None``, and the flow that needs
it fails with that as its reason.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from airlock.access.model import Principal, PrincipalMap
from airlock.access.world import Endpoint, Resource, Role, World
from airlock.spec import Integration
from airlock.spec.access import is_user_arn
from airlock.spec.buffer_checks import drop_zone_bucket_name, queue_names
from airlock.spec.vendors import external_id_of


def _names(principals: PrincipalMap | None, principal: Principal) -> bool:
    """Whether a Principal element names ``principal`` itself or its account (never ``*``)."""
    named = dict(principals or ()).get("AWS", ())
    return principal.arn in named or f"arn:aws:iam::{principal.account}:root" in named


def first_address(cidr: str) -> str:
    """A representative address inside ``cidr`` (the first host)."""
    network = ipaddress.ip_network(cidr, strict=False)
    return str(network.network_address + 1) if network.num_addresses > 1 else str(network.network_address)


@dataclass(frozen=True)
class RegionView:
    """What an integration holds in one region."""

    world: World
    integration: Integration
    account: str
    region: str
    stack: str | None

    def resources(self, type_: str) -> Iterator[Resource]:
        return (r for r in self.world.resources if r.stack == self.stack and r.type == type_)

    def _resolve(self, resource: Resource, name: str) -> Any:
        return self.world.resolvers[resource.stack].property({"Properties": resource.properties}, name)

    def queue(self, buffer: str) -> Resource | None:
        spec = next((b for b in self.integration.buffers if b.name == buffer), None)
        if spec is None:
            return None
        name, _ = queue_names(self.integration.name, buffer, fifo=spec.fifo)
        return self.world.by_arn.get(f"arn:aws:sqs:{self.region}:{self.account}:{name}")

    def queue_key(self, queue: Resource) -> str | None:
        key = self._resolve(queue, "KmsMasterKeyId")
        return self._key_arn(key)

    def _key_arn(self, key: Any) -> str | None:
        if not isinstance(key, str):
            return None
        if key.startswith("arn:"):
            return key
        return f"arn:aws:kms:{self.region}:{self.account}:key/{key}"

    @property
    def bucket_name(self) -> str:
        return drop_zone_bucket_name(self.integration.name, self.account, self.region)

    def bucket(self) -> Resource | None:
        return self.world.by_arn.get(f"arn:aws:s3:::{self.bucket_name}")

    def bucket_key(self, bucket: Resource) -> str | None:
        encryption = self._resolve(bucket, "BucketEncryption") or {}
        for rule in encryption.get("ServerSideEncryptionConfiguration") or []:
            default = (rule or {}).get("ServerSideEncryptionByDefault") or {}
            if default.get("SSEAlgorithm") in ("aws:kms", "aws:kms:dsse"):
                return self._key_arn(default.get("KMSMasterKeyID"))
        return None

    def vendor_roles(self, principal: Principal) -> list[Role]:
        """Roles of this region's stack whose trust admits ``principal`` by name or account."""
        out = []
        for role in self.world.roles.values():
            if role.resource.stack != self.stack:
                continue
            if any(
                _names(statement.principals, principal)
                for statement in role.trust.statements
                if statement.effect == "Allow"
            ):
                out.append(role)
        return out

    def vpc(self) -> Resource | None:
        return next(self.resources("AWS::EC2::VPC"), None)

    def vpc_id(self) -> str | None:
        vpc = self.vpc()
        if vpc is None:
            return None
        value = self.world.resolvers[vpc.stack].attribute(vpc.logical_id, "Ref")
        return value if isinstance(value, str) else None

    def endpoint_to(self, service_name: str) -> Endpoint | None:
        for (stack, _), endpoint in self.world.endpoints.items():
            if stack == self.stack and endpoint.service_name == service_name:
                return endpoint
        return None

    def security_group(self, group_id: str) -> Resource | None:
        for group in self.resources("AWS::EC2::SecurityGroup"):
            if self.world.resolvers[group.stack].attributes(group.logical_id).get("GroupId") == group_id:
                return group
        return None

    def topic(self) -> Resource | None:
        return next(self.resources("AWS::SNS::Topic"), None)

    def topic_key(self, topic: Resource) -> str | None:
        return self._key_arn(self._resolve(topic, "KmsMasterKeyId"))


class IntegrationView:
    """An integration of the spec and its stacks in the world."""

    def __init__(self, world: World, integration: Integration) -> None:
        self.world = world
        self.integration = integration
        self.account = world.integration_accounts.get(integration.name)

    @cached_property
    def regions(self) -> list[RegionView]:
        if self.account is None:
            return []
        stacks = {
            artifact.region: artifact.name
            for artifact in self.world.artifacts.values()
            if artifact.integration == self.integration.name
        }
        return [
            RegionView(self.world, self.integration, self.account, region, stacks.get(region))
            for region in self.integration.regions
        ]

    @property
    def home(self) -> RegionView | None:
        return self.regions[0] if self.regions else None

    def vendor_principals(self) -> list[Principal]:
        """A principal for each declared vendor principal (a representative role for a whole account)."""
        access = self.integration.access
        if access is None:
            return []
        out = [
            Principal.user(arn) if is_user_arn(arn) else Principal.role(arn, session="vendor")
            for arn in access.principals
        ]
        for account in access.trusted_account_ids:
            out.append(Principal.role(f"arn:aws:iam::{account}:role/any-role-of-{account}", session="vendor"))
        return out

    def external_id(self) -> str | None:
        """The external ID the vendor sends: the integration's own, or its vendor's shared one."""
        return external_id_of(self.world.spec.organization, self.integration)

    def source_address(self) -> str:
        """An address the vendor calls from: inside its first declared range, else a public test address."""
        access = self.integration.access
        if access is not None and access.source_ips:
            return first_address(access.source_ips[0])
        return "192.0.2.10"
