"""A SaaS vendor's cross-account role: named principals, external ID, boundary, least privilege."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import constructs
import jsii
from aws_cdk import aws_iam as iam
from constructs import Construct

from airlock import grants
from airlock.constructs._vendor_grants import (
    CONSUME_ACTIONS,
    CONSUME_KEY_ACTIONS,
    INVOKE_API_ACTIONS,
    PUT_OBJECT_ACTIONS,
    PUT_OBJECT_KEY_ACTIONS,
    SEND_ACTIONS,
    SEND_KEY_ACTIONS,
    VendorGrant,
    VendorGrants,
)

__all__ = [
    "CHAINING_ACTIONS",
    "CONSUME_ACTIONS",
    "CONSUME_KEY_ACTIONS",
    "INVOKE_API_ACTIONS",
    "PUT_OBJECT_ACTIONS",
    "PUT_OBJECT_KEY_ACTIONS",
    "SEND_ACTIONS",
    "SEND_KEY_ACTIONS",
    "SENSITIVE_ACTIONS",
    "UNDENIABLE_ACTION",
    "VendorAccessRole",
    "VendorGrant",
]

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
#: Role chaining out of the vendor's role, which its boundary forbids (except into itself, with ``self_assume``).
CHAINING_ACTIONS: tuple[str, ...] = grants.ASSUME_SELF.resource

EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$", re.ASCII)
EXTERNAL_ID_CHARACTER = re.compile(r"^[\w+=,.@:/-]$", re.ASCII)
_PRINCIPAL_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:role|user)/[\w+=,.@/-]{1,512}$", re.ASCII)
_TAG_KEY = re.compile(r"[\w+=.@:/-]{1,128}", re.ASCII)
_ACCOUNT = re.compile(r"^\d{12}$", re.ASCII)


class _BoundedPrincipal(iam.PrincipalBase):
    """The role as a grantee: whatever is granted to it lands in its permissions and its boundary."""

    def __init__(self, owner: VendorAccessRole) -> None:
        super().__init__()
        self._owner = owner

    @property
    def policy_fragment(self) -> iam.PrincipalPolicyFragment:
        return self._owner.role.policy_fragment

    @property
    def principal_account(self) -> str | None:
        return cdk.Stack.of(self._owner).account

    def dedupe_string(self) -> str | None:
        return f"airlock:vendor-access:{self._owner.node.path}"

    def add_to_principal_policy(self, statement: iam.PolicyStatement) -> iam.AddToPrincipalPolicyResult:
        policy = self._owner._admit(statement)
        return iam.AddToPrincipalPolicyResult(statement_added=True, policy_dependable=policy)


@jsii.implements(constructs.IValidation)
class _NothingOutsideTheBoundary:
    """Statements added to the role itself (its DefaultPolicy) bypass the boundary: refuse them."""

    def __init__(self, owner: VendorAccessRole) -> None:
        self._owner = owner

    def validate(self) -> list[str]:
        if self._owner.role.node.try_find_child("DefaultPolicy") is None:
            return []
        return [
            f"{self._owner.node.path}: statements were added to the role itself (its DefaultPolicy); the "
            "permissions boundary does not allow them, so they would have no effect. Grant to the "
            "VendorAccessRole instead (it is an IGrantable, e.g. bucket.grant_read(vendor_access)) or through "
            "its grant_* methods: both extend the boundary with exactly the same statement"
        ]


@jsii.implements(iam.IGrantable)
class VendorAccessRole(VendorGrants):
    """An IAM role a SaaS vendor assumes from its own account, and nothing more.

    Secure without being asked:

    * the trust names only the given principals (role or user ARNs); a whole account is
      trusted only when passed in ``trusted_accounts``; ``*`` is refused;
    * every ``sts:AssumeRole`` in the trust requires ``StringEquals sts:ExternalId``;
    * a permissions boundary (``self.boundary``) that allows exactly what was granted, so a
      policy attached later cannot widen the role, and forbids chaining into other roles;
    * an explicit deny of :data:`SENSITIVE_ACTIONS` (IAM, Organizations, CloudTrail, KMS key
      policy and grant changes, ``iam:PassRole``) inside the role itself;
    * sessions of one hour unless ``max_session_duration`` says otherwise.

    Trusting whole accounts, letting the role assume itself or allowing longer sessions adds a
    warning annotation.

    The construct is an ``iam.IGrantable``: a grant to it (``bucket.grant_read(vendor_access)``,
    the ``grant_*`` methods here, :meth:`DropZone.grant_read_objects`) adds the same statement
    to its permissions (``self.permissions``) and to its boundary, so no grant is silently
    ineffective. A statement added to ``self.role`` directly would be, and fails synthesis.
    The inline deny is reported by ``NIST.800.53.R5-IAMNoInlinePolicy``: acknowledge it on
    ``self.role`` (inline, it cannot be detached from the role); an object grant's wildcard by
    ``AwsSolutions-IAM5`` on ``self.permissions`` and ``self.boundary``.

    :param external_id: the external ID the vendor issued (2-1224 characters of ``[\\w+=,.@:/-]``).
    :param principals: ARNs of the vendor's IAM roles or users that may assume the role.
    :param trusted_accounts: vendor account ids trusted as a whole (any principal they allow,
        with the external ID). Default: none.
    :param self_assume: the role may assume itself, with the external ID (a vendor that
        validates its credential that way); the trust names this account, narrowed to the
        role's own ARN, and the boundary still denies chaining into any other role. Default: False.
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
        self_assume: bool = False,
        source_ips: Sequence[str] = (),
        session_tags: Mapping[str, str] | None = None,
        max_session_duration: cdk.Duration | None = None,
        suspended: bool = False,
        role_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        session_tags = dict(session_tags or {})
        max_session_duration = max_session_duration or cdk.Duration.hours(1)
        _check_props(external_id, principals, trusted_accounts, source_ips, max_session_duration, session_tags)

        stack = cdk.Stack.of(self)
        self.role_name = role_name or cdk.Names.unique_resource_name(self, max_length=64, separator="-")
        #: The role's ARN as a string that names no resource (usable in a key policy without a cycle).
        self.role_arn = stack.format_arn(service="iam", region="", resource="role", resource_name=self.role_name)
        self.external_id = external_id
        self.suspended = suspended
        self.self_assume = self_assume
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
            statements=_boundary_statements(source_ips, self.role_arn if self_assume else None),
        )
        self.role = iam.Role(
            self,
            "Resource",
            role_name=self.role_name,
            description="Cross-account access of a SaaS vendor, generated by saas-airlock",
            assumed_by=iam.PrincipalWithConditions(iam.CompositePrincipal(*trusted), conditions),
            max_session_duration=max_session_duration,
            permissions_boundary=self.boundary,
            inline_policies=_inline_policies(suspended),
        )
        self.permissions: iam.ManagedPolicy | None = None
        self.grants: list[VendorGrant] = []
        self._principal = _BoundedPrincipal(self)
        self._pending_sid: str | None = None
        self._admitted = 0
        self.node.add_validation(_NothingOutsideTheBoundary(self))
        self._add_trust_statements(trusted, session_tags, source_ips)
        if self_assume:
            self._allow_self_assume(source_ips)
        self._warn(trusted_accounts, max_session_duration)

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The principal grants go to: each statement is added to the permissions and the boundary."""
        return self._principal

    def _add_trust_statements(
        self, trusted: Sequence[iam.IPrincipal], session_tags: dict[str, str], source_ips: Sequence[str]
    ) -> None:
        trust = self.role.assume_role_policy
        assert trust is not None
        if session_tags:
            tag_conditions: dict[str, dict[str, object]] = {
                "StringEquals": {f"aws:RequestTag/{key}": value for key, value in sorted(session_tags.items())},
                "ForAllValues:StringEquals": {"aws:TagKeys": sorted(session_tags)},
            }
            if source_ips:
                tag_conditions["IpAddress"] = {"aws:SourceIp": list(source_ips)}
            trust.add_statements(
                iam.PolicyStatement(
                    sid="RequiredSessionTags",
                    actions=["sts:TagSession"],
                    principals=list(trusted),
                    conditions=tag_conditions,
                )
            )
        if self.suspended:
            trust.add_statements(
                iam.PolicyStatement(
                    sid="Suspended",
                    effect=iam.Effect.DENY,
                    actions=["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                    principals=list(trusted),
                )
            )
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:vendor-suspended", f"{self.node.path}: the vendor is suspended; every request is denied"
            )

    def _allow_self_assume(self, source_ips: Sequence[str]) -> None:
        """The role assumes itself: the trust admits this account's principal that is the role itself.

        The trust names the account (a role cannot name itself before it exists) narrowed by
        ``aws:PrincipalArn`` to the role, and requires the external ID; the role's permissions
        and boundary allow ``sts:AssumeRole`` on its own ARN only. AWS: "To allow users to assume
        the current role again within a role session, specify the role ARN or AWS account ARN as
        a principal in the role trust policy" (IAM User Guide, Update a role trust policy).
        """
        conditions: dict[str, dict[str, object]] = {
            "StringEquals": {"sts:ExternalId": self.external_id},
            "ArnEquals": {"aws:PrincipalArn": self.role_arn},
        }
        if source_ips:
            conditions["IpAddress"] = {"aws:SourceIp": list(source_ips)}
        trust = self.role.assume_role_policy
        assert trust is not None
        trust.add_statements(
            iam.PolicyStatement(
                sid="SelfAssume",
                actions=list(grants.ASSUME_SELF.resource),
                principals=[iam.AccountRootPrincipal()],
                conditions=conditions,
            )
        )
        self._grant("AssumeSelf", grants.ASSUME_SELF.resource, [self.role_arn])
        cdk.Annotations.of(self).add_warning_v2(
            "airlock:vendor-self-assume",
            f"{self.node.path}: the role may assume itself (with the external ID); chaining into other roles "
            "stays denied",
        )

    def _warn(self, trusted_accounts: Sequence[str], max_session_duration: cdk.Duration) -> None:
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

    def _permissions(self) -> iam.ManagedPolicy:
        if self.permissions is None:
            self.permissions = iam.ManagedPolicy(
                self,
                "Permissions",
                description=f"What the vendor behind {self.node.path} may do, generated from its grants",
                roles=[self.role],
            )
        return self.permissions

    def _admit(self, statement: iam.PolicyStatement) -> iam.ManagedPolicy:
        """Add ``statement`` to the permissions and, identically, to the boundary."""
        self._admitted += 1
        document: dict[str, Any] = dict(statement.to_statement_json())
        document["Sid"] = self._pending_sid or f"Granted{self._admitted}"
        policy = self._permissions()
        for target in (policy, self.boundary):
            target.add_statements(iam.PolicyStatement.from_json(document))
        return policy

    def _grant(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Sequence[str],
        conditions: Mapping[str, Any] | None = None,
    ) -> iam.Grant:
        """Grant ``actions`` on ``resources`` to the role (permissions and boundary), as statement ``sid``."""
        self._pending_sid = sid
        try:
            return iam.Grant.add_to_principal(
                grantee=self, actions=list(actions), resource_arns=list(resources), conditions=conditions
            )
        finally:
            self._pending_sid = None


def _boundary_statements(source_ips: Sequence[str], own_arn: str | None) -> list[iam.PolicyStatement]:
    """The boundary's denies: no role chaining (into any role but ``own_arn``, the role itself when
    it may assume itself); with ``source_ips``, no call from elsewhere."""
    statements = [
        iam.PolicyStatement(
            sid="DenyRoleChaining",
            effect=iam.Effect.DENY,
            actions=list(CHAINING_ACTIONS),
            resources=None if own_arn else ["*"],
            not_resources=[own_arn] if own_arn else None,
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


def _inline_policies(suspended: bool) -> dict[str, iam.PolicyDocument]:
    deny = iam.PolicyStatement(
        sid="DenySensitiveActions", effect=iam.Effect.DENY, actions=list(SENSITIVE_ACTIONS), resources=["*"]
    )
    inline = {"DenySensitiveActions": iam.PolicyDocument(statements=[deny])}
    if suspended:
        # Policies are evaluated on every request, so this also stops sessions already issued.
        inline["Suspended"] = iam.PolicyDocument(
            statements=[iam.PolicyStatement(sid="Suspended", effect=iam.Effect.DENY, actions=["*"], resources=["*"])]
        )
    return inline


def _check_props(
    external_id: str,
    principals: Sequence[str],
    trusted_accounts: Sequence[str],
    source_ips: Sequence[str],
    max_session_duration: cdk.Duration,
    session_tags: Mapping[str, str],
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
        if cdk.Token.is_unresolved(arn) or not _PRINCIPAL_ARN.fullmatch(arn):
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
    for key in session_tags:
        if not _TAG_KEY.fullmatch(key) or key.lower().startswith("aws:"):
            raise ValueError(
                f"session_tags key '{key}' is not a tag key STS accepts; use 1-128 letters, digits and "
                "+=.@:/-_, not starting with 'aws:'"
            )
