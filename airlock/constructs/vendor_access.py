"""A SaaS vendor's cross-account role: named principals, external ID, boundary, least privilege."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

#: Actions the vendor's role may never perform, whatever is later attached to it.
SENSITIVE_ACTIONS: tuple[str, ...] = (
    "iam:*",
    "iam:PassRole",
    "organizations:*",
    "account:*",
    "cloudtrail:*",
    "kms:PutKeyPolicy",
    "kms:CreateGrant",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:ScheduleKeyDeletion",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:CreateKey",
)
#: The one action an explicit deny cannot refuse (the STS API reference: GetCallerIdentity needs
#: no permission and works even when denied); a deny of everything else denies everything.
UNDENIABLE_ACTION = "sts:GetCallerIdentity"
#: Role chaining out of the vendor's role, which its boundary forbids.
CHAINING_ACTIONS: tuple[str, ...] = ("sts:AssumeRole",)
#: What each grant kind allows, on the queue / bucket and on its KMS key.
SEND_ACTIONS: tuple[str, ...] = ("sqs:SendMessage",)
SEND_KEY_ACTIONS: tuple[str, ...] = ("kms:GenerateDataKey", "kms:Decrypt")
CONSUME_ACTIONS: tuple[str, ...] = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
CONSUME_KEY_ACTIONS: tuple[str, ...] = ("kms:Decrypt",)
PUT_OBJECT_ACTIONS: tuple[str, ...] = ("s3:PutObject",)
# A multipart upload under SSE-KMS needs Decrypt as well as GenerateDataKey.
PUT_OBJECT_KEY_ACTIONS: tuple[str, ...] = ("kms:GenerateDataKey", "kms:Decrypt")
INVOKE_API_ACTIONS: tuple[str, ...] = ("execute-api:Invoke",)

EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$", re.ASCII)
EXTERNAL_ID_CHARACTER = re.compile(r"^[\w+=,.@:/-]$", re.ASCII)
_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:role|user)/[\w+=,.@/-]{1,512}$", re.ASCII)
_TAG_KEY = re.compile(r"[\w+=.@:/-]{1,128}", re.ASCII)
_ACCOUNT = re.compile(r"^\d{12}$", re.ASCII)
_PREFIX = re.compile(r"^[^*?/][^*?]*/$", re.ASCII)


@dataclass(frozen=True)
class VendorGrant:
    """What one ``grant_*`` call added: the identity statement and the matching resource-side ones.

    ``resource_statements`` maps a description of the resource policy (``queue``, ``bucket``,
    ``key``, ``api``) to the statement added there.
    """

    kind: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    identity_statements: tuple[iam.PolicyStatement, ...]
    resource_statements: dict[str, iam.PolicyStatement] = field(default_factory=dict)


class VendorAccessRole(Construct):
    """An IAM role a SaaS vendor assumes from its own account, and nothing more.

    Secure without being asked:

    * the trust names only the given principals (role ARNs); a whole account is trusted only
      when passed in ``trusted_accounts``; ``*`` is refused;
    * every ``sts:AssumeRole`` in the trust requires ``StringEquals sts:ExternalId``;
    * a permissions boundary (``self.boundary``) that allows exactly what the ``grant_*``
      methods granted, so a policy attached later cannot widen the role, and forbids
      chaining into other roles;
    * an explicit deny of :data:`SENSITIVE_ACTIONS` (IAM, Organizations, CloudTrail, KMS key
      policy and grant changes, ``iam:PassRole``) inside the role itself;
    * sessions of one hour unless ``max_session_duration`` says otherwise.

    Trusting whole accounts or allowing longer sessions adds a warning annotation.

    Grants go to a customer-managed policy (``self.permissions``) and each adds the matching
    statement to the queue, bucket, key or API policy. The inline deny is reported by
    ``NIST.800.53.R5-IAMNoInlinePolicy``: acknowledge it on ``self.role`` (inline, it cannot be
    detached from the role); a ``put_objects`` grant's object wildcard by
    ``AwsSolutions-IAM5`` on ``self.permissions`` and ``self.boundary``.

    :param external_id: the external ID the vendor issued (2-1224 characters of ``[\\w+=,.@:/-]``).
    :param principals: ARNs of the vendor's IAM roles (or users) that may assume the role.
    :param trusted_accounts: vendor account ids trusted as a whole. Default: none.
    :param source_ips: public CIDRs the vendor calls from. AssumeRole from elsewhere is
        refused (trust), and so is every call of the session from elsewhere (boundary:
        ``NotIpAddress aws:SourceIp`` with ``aws:ViaAWSService`` false, so calls an AWS service
        makes on the vendor's behalf still work). A call through a VPC endpoint carries no
        ``aws:SourceIp`` (only ``aws:VpcSourceIp``) and is therefore refused too: the vendor
        calls the public endpoints from these ranges. Default: no source-IP condition.
    :param session_tags: session tags the vendor must pass, with their required values; the
        trust then allows ``sts:TagSession`` for exactly these keys. Default: no session tags
        (``sts:TagSession`` not allowed).
    :param max_session_duration: 1 to 12 hours. Default: one hour.
    :param suspended: the kill switch; the trust denies the vendor every assumption and the
        role denies every action, also to sessions already issued. Default: False.
    :param role_name: physical name of the role. Default: a unique name from the construct path.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        external_id: str,
        principals: Sequence[str] = (),
        trusted_accounts: Sequence[str] = (),
        source_ips: Sequence[str] = (),
        session_tags: Mapping[str, str] | None = None,
        max_session_duration: cdk.Duration | None = None,
        suspended: bool = False,
        role_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        session_tags = dict(session_tags or {})
        max_session_duration = max_session_duration or cdk.Duration.hours(1)
        self._check_props(external_id, principals, trusted_accounts, source_ips, max_session_duration)
        for key in session_tags:
            if not _TAG_KEY.fullmatch(key) or key.lower().startswith("aws:"):
                raise ValueError(
                    f"session_tags key '{key}' is not a tag key STS accepts; use 1-128 letters, digits and "
                    "+=.@:/-_, not starting with 'aws:'"
                )

        stack = cdk.Stack.of(self)
        self.role_name = role_name or cdk.Names.unique_resource_name(self, max_length=64, separator="-")
        #: The role's ARN as a string that names no resource (usable in a key policy without a cycle).
        self.role_arn = stack.format_arn(service="iam", region="", resource="role", resource_name=self.role_name)
        self.external_id = external_id
        self.suspended = suspended
        self.trusted: tuple[str, ...] = (
            *principals,
            *(f"arn:aws:iam::{account}:root" for account in trusted_accounts),
        )
        trusted = [iam.ArnPrincipal(arn) for arn in self.trusted]

        conditions: dict[str, dict[str, object]] = {
            "StringEquals": {
                "sts:ExternalId": external_id,
                **{f"aws:RequestTag/{key}": value for key, value in sorted(session_tags.items())},
            }
        }
        if source_ips:
            conditions["IpAddress"] = {"aws:SourceIp": list(source_ips)}

        self.boundary = iam.ManagedPolicy(
            self,
            "Boundary",
            description=f"Permissions boundary of {self.node.path}: the role can never exceed its grants",
            statements=self._boundary_statements(source_ips),
        )
        inline = {"DenySensitiveActions": iam.PolicyDocument(statements=[self._sensitive_deny()])}
        if suspended:
            # Policies are evaluated on every request, so this also stops sessions already issued.
            inline["Suspended"] = iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(sid="Suspended", effect=iam.Effect.DENY, actions=["*"], resources=["*"])
                ]
            )
        self.role = iam.Role(
            self,
            "Resource",
            role_name=self.role_name,
            description="Cross-account access of a SaaS vendor, generated by saas-airlock",
            assumed_by=iam.PrincipalWithConditions(iam.CompositePrincipal(*trusted), conditions),
            max_session_duration=max_session_duration,
            permissions_boundary=self.boundary,
            inline_policies=inline,
        )
        if session_tags:
            tag_conditions: dict[str, dict[str, object]] = {
                "StringEquals": {f"aws:RequestTag/{key}": value for key, value in sorted(session_tags.items())},
                "ForAllValues:StringEquals": {"aws:TagKeys": sorted(session_tags)},
            }
            if source_ips:
                tag_conditions["IpAddress"] = {"aws:SourceIp": list(source_ips)}
            self.role.assume_role_policy.add_statements(  # type: ignore[union-attr]
                iam.PolicyStatement(
                    sid="RequiredSessionTags", actions=["sts:TagSession"], principals=trusted, conditions=tag_conditions
                )
            )
        if suspended:
            self.role.assume_role_policy.add_statements(  # type: ignore[union-attr]
                iam.PolicyStatement(
                    sid="Suspended",
                    effect=iam.Effect.DENY,
                    actions=["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                    principals=trusted,
                )
            )
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:vendor-suspended", f"{self.node.path}: the vendor is suspended; every request is denied"
            )
        if trusted_accounts:
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:vendor-whole-account",
                f"trusts every principal of {sorted(trusted_accounts)} that those accounts allow; "
                "name the vendor's role ARNs in principals instead",
            )
        if max_session_duration.to_seconds() > 3600:
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:vendor-long-sessions",
                f"sessions last up to {max_session_duration.to_seconds()} s instead of the default 3600 s",
            )
        self.permissions: iam.ManagedPolicy | None = None
        self.grants: list[VendorGrant] = []

    @staticmethod
    def _check_props(
        external_id: str,
        principals: Sequence[str],
        trusted_accounts: Sequence[str],
        source_ips: Sequence[str],
        max_session_duration: cdk.Duration,
    ) -> None:
        if cdk.Token.is_unresolved(external_id) or not EXTERNAL_ID.fullmatch(external_id):
            # The ID is not repeated in the message: it is the vendor's secret for this customer.
            bad = sorted({c for c in external_id if not EXTERNAL_ID_CHARACTER.fullmatch(c)})
            detail = f"contains {bad} and " if bad and not cdk.Token.is_unresolved(external_id) else ""
            raise ValueError(
                f"external_id of {len(external_id)} characters {detail}is not one AWS accepts; pass the vendor's ID "
                "as a literal of 2-1224 characters of letters, digits and +=,.@:/-_"
            )
        if not principals and not trusted_accounts:
            raise ValueError("principals and trusted_accounts are both empty; name the vendor's role ARNs")
        for arn in principals:
            if cdk.Token.is_unresolved(arn) or not _ROLE_ARN.fullmatch(arn):
                raise ValueError(
                    f"principal '{arn}' is not a literal IAM role or user ARN; name the vendor's role, e.g. "
                    "'arn:aws:iam::123456789012:role/vendor' ('*' and wildcards are refused)"
                )
        for account in trusted_accounts:
            if not _ACCOUNT.fullmatch(account):
                raise ValueError(f"trusted_accounts entry '{account}' is not a 12-digit account id; pass a literal id")
        for cidr in source_ips:
            try:
                network = ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                raise ValueError(f"source_ips entry '{cidr}' is not a CIDR; pass e.g. '203.0.113.0/24'") from None
            if network.prefixlen == 0:
                raise ValueError(f"source_ips entry '{cidr}' is every address; pass the vendor's egress ranges")
        seconds = max_session_duration.to_seconds()
        if not 3600 <= seconds <= 43200:
            raise ValueError(
                f"max_session_duration {seconds} s is outside 3600-43200 s; use 1 to 12 hours (default 1 hour)"
            )

    @staticmethod
    def _boundary_statements(source_ips: Sequence[str]) -> list[iam.PolicyStatement]:
        """The boundary's denies: no role chaining; with ``source_ips``, no call from elsewhere."""
        statements = [
            iam.PolicyStatement(
                sid="DenyRoleChaining", effect=iam.Effect.DENY, actions=list(CHAINING_ACTIONS), resources=["*"]
            )
        ]
        if source_ips:
            # The trust checks aws:SourceIp at AssumeRole only; this holds the session to it. It
            # denies every action: sts:GetCallerIdentity is the one an explicit deny cannot stop
            # (AWS STS API reference), and naming it as the exception keeps "Action": "*" out
            # of a document whose later Allow statements cdk-nag's full-access pattern would
            # read together with it (NIST.800.53.R5-IAMPolicyNoStatementsWithFullAccess).
            statements.append(
                iam.PolicyStatement(
                    sid="DenyOutsideSourceIps",
                    effect=iam.Effect.DENY,
                    not_actions=[UNDENIABLE_ACTION],
                    resources=["*"],
                    conditions={
                        "NotIpAddress": {"aws:SourceIp": list(source_ips)},
                        "Bool": {"aws:ViaAWSService": "false"},
                    },
                )
            )
        return statements

    @staticmethod
    def _sensitive_deny() -> iam.PolicyStatement:
        return iam.PolicyStatement(
            sid="DenySensitiveActions", effect=iam.Effect.DENY, actions=list(SENSITIVE_ACTIONS), resources=["*"]
        )

    def _permissions(self) -> iam.ManagedPolicy:
        if self.permissions is None:
            self.permissions = iam.ManagedPolicy(
                self,
                "Permissions",
                description=f"What the vendor behind {self.node.path} may do, generated from its grants",
                roles=[self.role],
            )
        return self.permissions

    def _allow(
        self, sid: str, actions: Sequence[str], resources: Sequence[str], **conditions: object
    ) -> list[iam.PolicyStatement]:
        """Add the same allow to the permissions and to the boundary; return the permissions' statement."""
        added = []
        for policy in (self._permissions(), self.boundary):
            statement = iam.PolicyStatement(
                sid=sid, actions=list(actions), resources=list(resources), conditions=conditions or None
            )
            policy.add_statements(statement)
            added.append(statement)
        return added[:1]

    def _sid(self, kind: str) -> str:
        return f"{kind}{len(self.grants)}"

    def _key_statements(
        self, sid: str, key: kms.IKey, actions: Sequence[str], service: str
    ) -> tuple[list[iam.PolicyStatement], iam.PolicyStatement]:
        via = {"StringEquals": {"kms:ViaService": f"{service}.{cdk.Stack.of(self).region}.amazonaws.com"}}
        identity = self._allow(f"{sid}Key", actions, [key.key_arn], **via)
        # The key policy names this account with the role's ARN as a condition rather than the
        # role itself, so the key does not depend on the role (whose boundary names the key).
        resource = iam.PolicyStatement(
            sid=f"{sid}VendorRole",
            principals=[iam.AccountRootPrincipal()],
            actions=list(actions),
            resources=["*"],
            conditions={**via, "ArnEquals": {"aws:PrincipalArn": self.role_arn}},
        )
        key.add_to_resource_policy(resource)
        return identity, resource

    def _record(self, grant: VendorGrant) -> VendorGrant:
        self.grants.append(grant)
        return grant

    def grant_send_messages(self, queue: sqs.IQueue, key: kms.IKey | None = None) -> VendorGrant:
        """Let the vendor send to ``queue`` (and generate data keys with its ``key``), nothing else."""
        sid = self._sid("Send")
        return self._queue_grant("send", sid, queue, key, SEND_ACTIONS, SEND_KEY_ACTIONS)

    def grant_consume_messages(self, queue: sqs.IQueue, key: kms.IKey | None = None) -> VendorGrant:
        """Let the vendor receive, delete and extend the visibility of messages of ``queue`` (and decrypt)."""
        sid = self._sid("Consume")
        return self._queue_grant("consume", sid, queue, key, CONSUME_ACTIONS, CONSUME_KEY_ACTIONS)

    def _queue_grant(
        self,
        kind: str,
        sid: str,
        queue: sqs.IQueue,
        key: kms.IKey | None,
        actions: Sequence[str],
        key_actions: Sequence[str],
    ) -> VendorGrant:
        key = key or queue.encryption_master_key
        identity = self._allow(sid, actions, [queue.queue_arn])
        resource_side: dict[str, iam.PolicyStatement] = {}
        statement = iam.PolicyStatement(
            sid=f"{sid}VendorRole", principals=[self.role], actions=list(actions), resources=[queue.queue_arn]
        )
        if queue.add_to_resource_policy(statement).statement_added:
            resource_side["queue"] = statement
        all_actions, all_resources = list(actions), [queue.queue_arn]
        if key is not None:
            key_identity, key_resource = self._key_statements(sid, key, key_actions, "sqs")
            identity += key_identity
            resource_side["key"] = key_resource
            all_actions += key_actions
            all_resources.append(key.key_arn)
        return self._record(VendorGrant(kind, tuple(all_actions), tuple(all_resources), tuple(identity), resource_side))

    def grant_put_objects(self, bucket: s3.IBucket, prefix: str, key: kms.IKey | None = None) -> VendorGrant:
        """Let the vendor put objects under ``prefix`` of ``bucket`` (and encrypt them with ``key``), nothing else.

        :param prefix: a key prefix ending in ``/``, without wildcards, e.g. ``drop/payroll/``.
        """
        if not _PREFIX.fullmatch(prefix) or "//" in prefix:
            raise ValueError(
                f"prefix '{prefix}' is not a key prefix; pass one without wildcards or a leading '/', ending "
                "in '/', e.g. 'drop/payroll/'"
            )
        sid = self._sid("PutObjects")
        key = key or bucket.encryption_key
        objects = bucket.arn_for_objects(f"{prefix}*")
        identity = self._allow(sid, PUT_OBJECT_ACTIONS, [objects])
        resource_side: dict[str, iam.PolicyStatement] = {}
        statement = iam.PolicyStatement(
            sid=f"{sid}VendorRole", principals=[self.role], actions=list(PUT_OBJECT_ACTIONS), resources=[objects]
        )
        if bucket.add_to_resource_policy(statement).statement_added:
            resource_side["bucket"] = statement
        all_actions, all_resources = list(PUT_OBJECT_ACTIONS), [objects]
        if key is not None:
            key_identity, key_resource = self._key_statements(sid, key, PUT_OBJECT_KEY_ACTIONS, "s3")
            identity += key_identity
            resource_side["key"] = key_resource
            all_actions += PUT_OBJECT_KEY_ACTIONS
            all_resources.append(key.key_arn)
        return self._record(
            VendorGrant("put_objects", tuple(all_actions), tuple(all_resources), tuple(identity), resource_side)
        )

    def grant_invoke_api(self, api: apigateway.IRestApi, *, method: str, path: str, stage: str) -> VendorGrant:
        """Let the vendor call one method of one resource path of an API Gateway REST API stage.

        :param method: an HTTP method (``GET``, ``POST``...), not ``*``.
        :param path: a resource path starting with ``/``, e.g. ``/orders``.
        :param stage: the stage name, e.g. ``prod``.
        """
        if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            raise ValueError(f"method '{method}' is not an HTTP method; pass one such as 'POST'")
        if not path.startswith("/") or "*" in path:
            raise ValueError(f"path '{path}' is not a resource path; pass one such as '/orders'")
        if not stage or "*" in stage or "/" in stage:
            raise ValueError(f"stage '{stage}' is not a stage name; pass one such as 'prod'")
        sid = self._sid("InvokeApi")
        arn = api.arn_for_execute_api(method.upper(), path, stage)
        identity = self._allow(sid, INVOKE_API_ACTIONS, [arn])
        resource_side: dict[str, iam.PolicyStatement] = {}
        if isinstance(api, apigateway.RestApi):
            # API policies name the API relatively and the role by condition: the API must not
            # depend on the role, whose boundary names the API.
            statement = iam.PolicyStatement(
                sid=f"{sid}VendorRole",
                principals=[iam.AccountRootPrincipal()],
                actions=list(INVOKE_API_ACTIONS),
                resources=[f"execute-api:/{stage}/{method.upper()}{path}"],
                conditions={"ArnEquals": {"aws:PrincipalArn": self.role_arn}},
            )
            api.add_to_resource_policy(statement)
            resource_side["api"] = statement
        return self._record(VendorGrant("invoke_api", INVOKE_API_ACTIONS, (arn,), tuple(identity), resource_side))
