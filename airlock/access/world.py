"""The landing zone as AWS would hold it after deployment, read from the cloud assembly.

:class:`World` resolves every template (see :mod:`airlock.access.template`), indexes the
resources by ARN, gathers every policy (identity, boundary, trust, resource, key, endpoint,
SCPs and RCPs with their targets) and answers, for one request, which policies AWS consults
(:meth:`World.policies_for`) and what the request context holds (:meth:`World.request`).

The spec supplies what the assembly cannot: which accounts belong to the organisation (core,
management, intermediate), which belong to vendors, and the ids of created accounts (the
account lock file).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from airlock.access import arns
from airlock.access.assembly import StackArtifact
from airlock.access.model import Policy, PolicySet, Principal, Request, Source, Statement, context
from airlock.access.organization import POLICY_KINDS, OrganizationModel
from airlock.access.policy import parse_policy
from airlock.access.template import Resolver, StackTemplate, Unresolved
from airlock.spec import AccountLock, Spec

#: AWS-managed policies whose content the access model knows (everything else is unknown).
KNOWN_MANAGED_POLICIES: dict[str, dict[str, Any]] = {
    "arn:aws:iam::aws:policy/AdministratorAccess": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    },
}

#: Actions whose API is served from us-east-1 whatever region a stack is in (aws:RequestedRegion).
GLOBAL_SERVICES = frozenset(
    {"iam", "organizations", "route53", "cloudfront", "budgets", "ce", "globalaccelerator", "waf", "account", "health"}
)


@dataclass(frozen=True)
class Resource:
    """One resource of one stack instance, with what policies see of it."""

    stack: str
    template: str
    logical_id: str
    type: str
    account: str
    region: str
    arn: str | None
    tags: Mapping[str, str]
    properties: Mapping[str, Any]
    deletion_policy: str = "Delete"
    integration: str | None = None


@dataclass
class Role:
    """An IAM role of the assembly and every policy that shapes its sessions."""

    resource: Resource
    arn: str
    name: str
    trust: Policy
    identity: list[Policy] = field(default_factory=list)
    boundary: Policy | None = None


@dataclass(frozen=True)
class Endpoint:
    """A VPC endpoint: where it leads and the policy it applies."""

    resource: Resource
    service_name: str
    kind: str
    private_dns: bool
    policy: Policy | None
    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]


def _unknown_policy(kind: Any, name: str, why: str) -> Policy:
    source = Source(kind, name=name)
    statement = Statement("Allow", source.statement(0, None), actions=("*",), resources=("*",), unknown=why)
    return Policy(source, (statement,))


class _LazyExports(Mapping[str, Any]):
    """Exports of every stack, resolved in the exporting stack on first use."""

    def __init__(self) -> None:
        self.owners: dict[str, tuple[str, Any]] = {}
        self.resolvers: dict[str, Resolver] = {}

    def __getitem__(self, name: str) -> Any:
        stack, value = self.owners[name]
        return self.resolvers[stack].resolve(value)

    def __iter__(self) -> Iterator[str]:
        return iter(self.owners)

    def __len__(self) -> int:
        return len(self.owners)


class World:
    """Every stack of a landing zone, resolved, with its policies and its organization."""

    def __init__(self, stacks: Sequence[StackArtifact], spec: Spec, lock: AccountLock | None = None) -> None:
        self.spec = spec
        self.lock = lock or AccountLock()
        self.artifacts = {stack.name: stack for stack in stacks}
        org = spec.organization
        self.organization_id = org.organization_id
        self.management_account = org.management_account_id
        self.integration_accounts: dict[str, str] = {}
        for integration in spec.integrations:
            account = self.lock.account_id(integration)
            if account is not None:
                self.integration_accounts[integration.name] = account
        self.core_accounts = frozenset(org.access.core_account_ids)
        self.vendor_accounts = {i.name: tuple(i.vendor.account_ids) for i in spec.integrations}
        self.resources: list[Resource] = []
        self.by_arn: dict[str, Resource] = {}
        self.by_logical: dict[tuple[str, str], Resource] = {}
        self.roles: dict[str, Role] = {}
        self.managed_policies: dict[str, Policy] = {}
        self.resource_policies: dict[str, list[Policy]] = {}
        self.key_policies: dict[str, Policy] = {}
        self.endpoints: dict[tuple[str, str], Endpoint] = {}
        self.endpoint_service_principals: dict[tuple[str, str], tuple[str, ...]] = {}
        self.organization = OrganizationModel(parent_id=org.parent_id)
        self.resolvers: dict[str, Resolver] = {}
        self.dedicated_ou: str | None = None
        self._admitting: dict[str, list[tuple[str, Policy]]] | None = None
        self._pending: list[tuple[str, Any, Policy]] = []
        self._build()

    # -- building -----------------------------------------------------------------------------
    def _build(self) -> None:
        exports = _LazyExports()
        created = dict(self.lock.ids)
        account_function = arns.created_account_attributes(created)

        def attributes(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Mapping[str, Any]:
            if resource.get("Type") == "AWS::Organizations::Account":
                return account_function(resolver, logical_id, resource)
            return arns.attributes(resolver, logical_id, resource)

        #: How this world names resources (for templates it did not read, e.g. StackSet instances).
        self.attribute_function = attributes

        for name, artifact in self.artifacts.items():
            stack = StackTemplate(name, artifact.file, artifact.account, artifact.region, artifact.template)
            resolver = Resolver(stack, attributes=attributes, exports=exports)
            self.resolvers[name] = resolver
            for output in (artifact.template.get("Outputs") or {}).values():
                export = (output or {}).get("Export", {}).get("Name")
                if isinstance(export, str):
                    exports.owners[export] = (name, output.get("Value"))
        exports.resolvers = self.resolvers
        for name, resolver in self.resolvers.items():
            self._index_resources(self.artifacts[name], resolver)
        for name, resolver in self.resolvers.items():
            self._read_policies(self.artifacts[name], resolver)
        self._place_adopted_accounts()
        self.organization._memo.clear()

    def _index_resources(self, artifact: StackArtifact, resolver: Resolver) -> None:
        for logical_id, body in resolver.stack.resources.items():
            values = resolver.attributes(logical_id)
            arn = values.get("Arn")
            if body.get("Type") == "AWS::SNS::Topic":
                arn = values.get("TopicArn")
            tags = self._tags(resolver, body)
            resource = Resource(
                stack=artifact.name,
                template=artifact.file,
                logical_id=logical_id,
                type=str(body.get("Type")),
                account=artifact.account,
                region=artifact.region,
                arn=arn if isinstance(arn, str) else None,
                tags=tags,
                properties=body.get("Properties") or {},
                deletion_policy=str(body.get("DeletionPolicy", "Delete")),
                integration=artifact.integration,
            )
            self.resources.append(resource)
            self.by_logical[(artifact.name, logical_id)] = resource
            if resource.arn is not None:
                self.by_arn[resource.arn] = resource

    @staticmethod
    def _tags(resolver: Resolver, body: Mapping[str, Any]) -> dict[str, str]:
        tags = resolver.property(body, "Tags")
        out: dict[str, str] = {}
        if isinstance(tags, list):
            for tag in tags:
                if isinstance(tag, Mapping) and isinstance(tag.get("Key"), str) and isinstance(tag.get("Value"), str):
                    out[tag["Key"]] = tag["Value"]
        elif isinstance(tags, Mapping):
            out = {str(k): str(v) for k, v in tags.items() if isinstance(v, str)}
        return out

    def _policy(self, resolver: Resolver, document: Any, source: Source) -> Policy:
        return parse_policy(resolver.resolve(document), source)

    def _read_policies(self, artifact: StackArtifact, resolver: Resolver) -> None:
        readers = {
            "AWS::IAM::ManagedPolicy": self._read_managed_policy,
            "AWS::IAM::Role": self._read_role,
            "AWS::KMS::Key": self._read_key,
            "AWS::SQS::QueuePolicy": self._read_queue_policy,
            "AWS::S3::BucketPolicy": self._read_bucket_policy,
            "AWS::SNS::TopicPolicy": self._read_topic_policy,
            "AWS::EC2::VPCEndpoint": self._read_endpoint,
            "AWS::EC2::VPCEndpointServicePermissions": self._read_service_permissions,
            "AWS::Organizations::OrganizationalUnit": self._read_ou,
            "AWS::Organizations::Account": self._read_account,
        }
        deferred = {"AWS::IAM::Policy": self._read_iam_policy, "AWS::Organizations::Policy": self._read_org_policy}
        resources = resolver.stack.resources
        # Managed policies and roles first: policies attached to roles find them by name.
        for order in (("AWS::IAM::ManagedPolicy",), tuple(set(readers) - {"AWS::IAM::ManagedPolicy"}), tuple(deferred)):
            for logical_id, body in resources.items():
                kind = str(body.get("Type"))
                if kind in order:
                    reader = readers.get(kind) or deferred[kind]
                    reader(artifact, resolver, logical_id, body)

    def _source(self, kind: Any, artifact: StackArtifact, logical_id: str, name: str | None = None) -> Source:
        return Source(kind, artifact.file, logical_id, name)

    def _read_managed_policy(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        arn = resolver.attribute(logical_id, "Ref")
        name = arn.rsplit("/", 1)[-1] if isinstance(arn, str) else None
        policy = self._policy(
            resolver,
            (body.get("Properties") or {}).get("PolicyDocument"),
            self._source("identity", artifact, logical_id, name),
        )
        if isinstance(arn, str):
            self.managed_policies[arn] = policy
        for role_name in resolver.property(body, "Roles") or []:
            self._pending.append((artifact.account, role_name, policy))

    def _managed(self, arn: Any, kind: Any) -> Policy:
        if isinstance(arn, str) and arn in self.managed_policies:
            policy = self.managed_policies[arn]
            if kind != policy.source.kind:
                source = Source(kind, policy.source.template, policy.source.logical_id, policy.source.name)
                return Policy(source, tuple(_rekind(s, kind) for s in policy.statements))
            return policy
        if isinstance(arn, str) and arn in KNOWN_MANAGED_POLICIES:
            return parse_policy(KNOWN_MANAGED_POLICIES[arn], Source(kind, name=arn.rsplit("/", 1)[-1]))
        return _unknown_policy(kind, str(arn), f"managed policy {arn} is not in the assembly")

    def _read_role(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        arn, name = resolver.attribute(logical_id, "Arn"), resolver.attribute(logical_id, "Ref")
        if not isinstance(arn, str) or not isinstance(name, str):
            return
        properties = body.get("Properties") or {}
        resource = self.by_logical[(artifact.name, logical_id)]
        role = Role(
            resource,
            arn,
            name,
            trust=self._policy(
                resolver, properties.get("AssumeRolePolicyDocument"), self._source("trust", artifact, logical_id, name)
            ),
        )
        for inline in resolver.resolve(properties.get("Policies") or []):
            if isinstance(inline, Mapping):
                source = self._source("identity", artifact, logical_id, str(inline.get("PolicyName")))
                role.identity.append(parse_policy(inline.get("PolicyDocument"), source))
        for managed in resolver.property(body, "ManagedPolicyArns") or []:
            role.identity.append(self._managed(managed, "identity"))
        boundary = resolver.property(body, "PermissionsBoundary")
        if boundary is not None:
            role.boundary = self._managed(boundary, "boundary")
        self.roles[arn] = role
        for account, role_name, policy in list(self._pending):
            if account == artifact.account and role_name == name:
                role.identity.append(policy)
                self._pending.remove((account, role_name, policy))

    def _role_by_name(self, account: str, name: Any) -> Role | None:
        for role in self.roles.values():
            if role.resource.account == account and role.name == name:
                return role
        return None

    def _read_iam_policy(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        name = resolver.property(body, "PolicyName")
        policy = self._policy(
            resolver,
            (body.get("Properties") or {}).get("PolicyDocument"),
            self._source("identity", artifact, logical_id, name if isinstance(name, str) else None),
        )
        for role_name in resolver.property(body, "Roles") or []:
            role = self._role_by_name(artifact.account, role_name)
            if role is not None:
                role.identity.append(policy)

    def _read_key(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        arn = resolver.attribute(logical_id, "Arn")
        if isinstance(arn, str):
            document = (body.get("Properties") or {}).get("KeyPolicy")
            self.key_policies[arn] = self._policy(resolver, document, self._source("key", artifact, logical_id))

    def _attach_resource_policy(self, arns_: Sequence[str], policy: Policy) -> None:
        for arn in arns_:
            self.resource_policies.setdefault(arn, []).append(policy)

    def _read_queue_policy(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        urls = resolver.property(body, "Queues") or []
        policy = self._policy(
            resolver,
            (body.get("Properties") or {}).get("PolicyDocument"),
            self._source("resource", artifact, logical_id),
        )
        queues = []
        for url in urls:
            if isinstance(url, str):
                account_name = url.rsplit("/", 2)[-2:]
                region = url.split(".")[1] if url.startswith("https://sqs.") else artifact.region
                queues.append(f"arn:aws:sqs:{region}:{account_name[0]}:{account_name[1]}")
        self._attach_resource_policy(queues, policy)

    def _read_bucket_policy(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        bucket = resolver.property(body, "Bucket")
        if isinstance(bucket, str):
            policy = self._policy(
                resolver,
                (body.get("Properties") or {}).get("PolicyDocument"),
                self._source("resource", artifact, logical_id),
            )
            self._attach_resource_policy([f"arn:aws:s3:::{bucket}"], policy)

    def _read_topic_policy(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        topics = [t for t in resolver.property(body, "Topics") or [] if isinstance(t, str)]
        policy = self._policy(
            resolver,
            (body.get("Properties") or {}).get("PolicyDocument"),
            self._source("resource", artifact, logical_id),
        )
        self._attach_resource_policy(topics, policy)

    def _read_endpoint(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        properties = body.get("Properties") or {}
        document = properties.get("PolicyDocument")
        policy = None
        if document is not None:
            policy = self._policy(resolver, document, self._source("endpoint", artifact, logical_id))
        service = resolver.property(body, "ServiceName")
        self.endpoints[(artifact.name, logical_id)] = Endpoint(
            resource=self.by_logical[(artifact.name, logical_id)],
            service_name=service if isinstance(service, str) else str(service),
            kind=str(resolver.property(body, "VpcEndpointType", "Gateway")),
            private_dns=resolver.property(body, "PrivateDnsEnabled") in (True, "true"),
            policy=policy,
            subnets=tuple(str(s) for s in resolver.property(body, "SubnetIds") or []),
            security_groups=tuple(str(s) for s in resolver.property(body, "SecurityGroupIds") or []),
        )

    def _read_service_permissions(
        self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any
    ) -> None:
        service = resolver.property(body, "ServiceId")
        principals = resolver.property(body, "AllowedPrincipals") or []
        self.endpoint_service_principals[(artifact.name, str(service))] = tuple(str(p) for p in principals)

    # -- organization ---------------------------------------------------------------------------
    def _read_ou(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        ident, name = resolver.attribute(logical_id, "Id"), resolver.property(body, "Name")
        parent = resolver.property(body, "ParentId")
        if isinstance(ident, str):
            self.organization.ous[ident] = (str(name), str(parent))
            if name == self.spec.organization.ou_name and parent == self.spec.organization.parent_id:
                self.dedicated_ou = ident

    def _read_account(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        ident = resolver.attribute(logical_id, "AccountId")
        parents = resolver.property(body, "ParentIds") or []
        if isinstance(ident, str) and parents and isinstance(parents[0], str):
            self.organization.account_parents[ident] = parents[0]

    def _read_org_policy(self, artifact: StackArtifact, resolver: Resolver, logical_id: str, body: Any) -> None:
        kind = POLICY_KINDS.get(str(resolver.property(body, "Type", "SERVICE_CONTROL_POLICY")))
        if kind is None:
            return
        name = resolver.property(body, "Name")
        content = (body.get("Properties") or {}).get("Content")
        policy = self._policy(resolver, content, self._source(kind, artifact, logical_id, str(name)))
        targets = resolver.property(body, "TargetIds") or []
        if not targets:
            self.organization.detached.setdefault(kind, {})[str(name)] = policy
        for target in targets:
            self.organization.attach(str(target), policy)

    def _place_adopted_accounts(self) -> None:
        dedicated = self.dedicated_ou
        for integration in self.spec.integrations:
            account = self.integration_accounts.get(integration.name)
            if account is None or account in self.organization.account_parents:
                continue
            if dedicated is not None:
                self.organization.account_parents[account] = dedicated
                self.organization.assumptions[account] = (
                    f"adopted account {account} sits directly in the dedicated OU (airlock verify checks AV-ACCOUNT-1)"
                )

    # -- questions ------------------------------------------------------------------------------
    def in_organization(self, account: str | None) -> bool:
        return account is not None and (
            account == self.management_account
            or account in self.core_accounts
            or account in self.integration_accounts.values()
        )

    def integration_of(self, account: str | None) -> str | None:
        for name, ident in self.integration_accounts.items():
            if ident == account:
                return name
        return None

    def resource_of(self, arn: str) -> Resource | None:
        """The resource an ARN names: exactly, or the bucket that holds an object."""
        if arn in self.by_arn:
            return self.by_arn[arn]
        if arn.startswith("arn:aws:s3:::") and "/" in arn:
            return self.by_arn.get(arn.split("/", 1)[0])
        return None

    def resource_account(self, arn: str) -> str | None:
        resource = self.resource_of(arn)
        if resource is not None:
            return resource.account
        parts = arn.split(":")
        return parts[4] if len(parts) > 5 and parts[4] else None

    def admitting(self, principal: Principal) -> list[tuple[str, Policy]]:
        """(resource ARN, policy) of every resource or key policy with an Allow statement whose
        Principal could name ``principal``: its ARN, its session, its account, or everyone.

        A principal of another account reaches a resource only through such a statement, so
        any other resource of another account is denied to it without evaluating a request.
        """
        if self._admitting is None:
            index: dict[str, list[tuple[str, Policy]]] = {}
            policies = [(arn, p) for arn, ps in self.resource_policies.items() for p in ps]
            policies += list(self.key_policies.items())
            for arn, policy in policies:
                for statement in policy.statements:
                    if statement.effect != "Allow":
                        continue
                    named = dict(statement.principals or ())
                    keys = ["*"] if statement.not_principals is not None or "*" in named else list(named.get("AWS", ()))
                    for key in keys:
                        index.setdefault(key, []).append((arn, policy))
            self._admitting = index
        keys = ["*", principal.arn, principal.session_arn or "", f"arn:aws:iam::{principal.account}:root"]
        found: dict[tuple[str, int], tuple[str, Policy]] = {}
        for key in keys:
            for arn, policy in self._admitting.get(key, []):
                found[(arn, id(policy))] = (arn, policy)
        return list(found.values())

    def resource_policy(self, action: str, arn: str) -> tuple[Policy | None, bool]:
        """The resource-based policy AWS consults for ``action`` on ``arn``, and whether it is a key policy."""
        service = action.split(":", 1)[0].lower()
        if service == "kms":
            if ":key/" not in arn:
                return None, False  # CreateKey, aliases, ListKeys: no key, no key policy
            return self.key_policies.get(arn), True
        if service == "sts" and arn in self.roles:
            return self.roles[arn].trust, False
        target = arn.split("/", 1)[0] if service == "s3" else arn
        policies = self.resource_policies.get(target, [])
        if len(policies) > 1:
            names = ", ".join(p.source.logical_id or "?" for p in policies)
            return _unknown_policy("resource", target, f"several policies ({names}) claim {target}"), False
        return (policies[0] if policies else None), False

    def policies_for(
        self,
        request: Request,
        *,
        endpoint: Endpoint | None = None,
        identity: Sequence[Policy] | None = None,
        organization: OrganizationModel | None = None,
    ) -> PolicySet:
        """Every policy AWS consults for ``request``.

        :param endpoint: the VPC endpoint the request passes, if any.
        :param identity: identity policies of a principal that is not in the assembly (a
            hypothetical administrator of an intermediate account); default: the role's own
            policies, or, for a principal outside the organisation's accounts, the assumption
            that its own policies allow.
        :param organization: a what-if organization (e.g. with the quarantine SCP attached).
        """
        org = organization or self.organization
        principal = request.principal
        role = self.roles.get(principal.arn) if principal.kind == "role" else None
        managed_account = principal.account in org.account_parents
        scps = None
        if principal.kind in ("role", "user", "root") and managed_account and not principal.service_linked:
            scps = org.policies(principal.account or "", "scp")
        resource_policy, key = self.resource_policy(request.action, request.resource)
        resource_account = self.resource_account(request.resource) if request.resource != "*" else None
        rcps = None
        if resource_account in org.account_parents and not principal.service_linked:
            rcps = org.policies(resource_account or "", "rcp")
        external = identity is None and role is None and principal.kind in ("role", "user", "root")
        external = external and not managed_account
        return PolicySet(
            identity=tuple(identity) if identity is not None else tuple(role.identity if role else ()),
            boundary=role.boundary if role is not None and identity is None else None,
            scps=scps,
            rcps=rcps,
            resource=resource_policy,
            resource_account=resource_account,
            key_policy=key,
            endpoint=endpoint.policy if endpoint is not None else None,
            external_identity=external,
        )

    def request(
        self,
        principal: Principal,
        action: str,
        resource: str,
        *,
        region: str | None = None,
        endpoint: Endpoint | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Request:
        """A request with the context AWS would give it; ``extra`` adds or overrides keys."""
        service = action.split(":", 1)[0].lower()
        values: dict[str, Any] = {"aws:SecureTransport": True, "aws:ViaAWSService": False}
        arn_region = resource.split(":")[3] if resource.startswith("arn:") and len(resource.split(":")) > 3 else ""
        held = self.resource_of(resource) if resource != "*" else None
        arn_region = arn_region or (held.region if held is not None else "")
        values["aws:RequestedRegion"] = "us-east-1" if service in GLOBAL_SERVICES else (region or arn_region or "")
        if principal.kind != "service" and self.in_organization(principal.account) and self.organization_id:
            values["aws:PrincipalOrgID"] = self.organization_id
        role = self.roles.get(principal.arn)
        if role is not None:
            for key, value in role.resource.tags.items():
                values[f"aws:PrincipalTag/{key}"] = value
        if resource != "*":
            account = self.resource_account(resource)
            if account:
                values["aws:ResourceAccount"] = account
                if self.in_organization(account) and self.organization_id:
                    values["aws:ResourceOrgID"] = self.organization_id
            target = self.resource_of(resource)
            if target is not None:
                for key, value in target.tags.items():
                    values[f"aws:ResourceTag/{key}"] = value
        if endpoint is not None:
            values["aws:SourceVpce"] = endpoint.resource.arn.rsplit("/", 1)[-1] if endpoint.resource.arn else ""
        merged = {key.lower(): value for key, value in values.items()}
        merged.update({key.lower(): value for key, value in (extra or {}).items()})
        # "aws:SourceOrgID ... the organization ID of the resource that is making a
        # service-to-service request" is present with aws:SourceAccount when the source account
        # is a member of an organization
        # (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceorgid).
        source = merged.get("aws:sourceaccount")
        if isinstance(source, str) and self.in_organization(source) and self.organization_id:
            merged.setdefault("aws:sourceorgid", self.organization_id)
        return Request(principal, action, resource, context({k: v for k, v in merged.items() if v is not None}))


def _rekind(statement: Statement, kind: Any) -> Statement:
    source = statement.source
    return dataclasses.replace(
        statement, source=Source(kind, source.template, source.logical_id, source.name, source.sid, source.index)
    )


def unresolved(value: Any) -> bool:
    """Whether a resolved template value still holds something unknown."""
    if isinstance(value, Unresolved):
        return True
    if isinstance(value, Mapping):
        return any(unresolved(item) for item in value.values())
    if isinstance(value, list):
        return any(unresolved(item) for item in value)
    return False
