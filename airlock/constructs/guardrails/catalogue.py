"""The guardrail catalogue: named, documented builders of SCP deny statements.

Each :class:`Guardrail` says what it denies, why (the risk from the SaaS side) and how to
exempt a principal, and builds its statements for a :class:`GuardrailContext`. Every
statement denies, and every statement exempts principals only through one
``ArnNotLike aws:PrincipalARN`` condition listing the configured deployment-role pattern
and break-glass role, so airlock's own deployments never lock themselves out.

The one stricter case is the network perimeter: no role deploys a path out of an
intermediate account, so its statements exempt the break-glass role alone; an account that
declares filtered egress also exempts its deployment role from the internet-gateway part.

Every target that carries guardrails also carries :data:`EXEMPT_ROLE_PROTECTION`: roles
named like an exemption can be made or changed only by the StackSet execution role and the
break-glass role, and passed to a service only by exempt roles, or the exemption by name
would be a way around every guardrail.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Statement = dict[str, Any]

#: What the region guardrail lets through outside the allowed regions: services whose APIs
#: are global or served from one region only, and a few account-wide settings. Compared
#: exemption by exemption with AWS's published region-deny SCP (AWS Organizations User Guide,
#: "Deny access to AWS based on the requested AWS Region"); docs/guardrails.md records each
#: one kept, added or dropped with the reason, and a test holds this list to that table.
GLOBAL_SERVICE_ACTIONS: tuple[str, ...] = (
    "account:*",
    "acm:*",
    "aws-marketplace-management:*",
    "aws-marketplace:*",
    "aws-portal:*",
    "budgets:*",
    "ce:*",
    "cloudfront:*",
    "config:*",
    "cur:*",
    "globalaccelerator:*",
    "health:*",
    "iam:*",
    "kms:*",
    "networkmanager:*",
    "organizations:*",
    "pricing:*",
    "route53-recovery-cluster:*",
    "route53-recovery-control-config:*",
    "route53-recovery-readiness:*",
    "route53:*",
    "route53domains:*",
    "s3:GetAccountPublicAccessBlock",
    "s3:ListAllMyBuckets",
    "s3:ListMultiRegionAccessPoints",
    "shield:*",
    "sts:*",
    "support:*",
    "trustedadvisor:*",
    "wafv2:*",
)

#: The role AWS Control Tower operates member accounts with (account factory, baselines,
#: Config and CloudTrail, its own controls); exempt only with ``GuardrailContext.control_tower``.
CONTROL_TOWER_EXECUTION_ROLE = "arn:aws:iam::*:role/AWSControlTowerExecution"

#: Tag key that airlock puts on every resource of an integration.
AIRLOCK_TAG = "airlock:integration"


@dataclass(frozen=True)
class GuardrailContext:
    """What the statements of a target depend on.

    ``deployment_role_pattern`` and ``break_glass_role`` are the principals the denies
    exempt. ``allowed_regions`` feeds the region restriction. ``resource_prefix`` is the
    name prefix of airlock-managed roles, queues and log groups (default: ``airlock-``).
    ``filtered_egress`` exempts the deployment role from the internet-gateway deny (only).
    ``control_tower`` (default: False) also exempts :data:`CONTROL_TOWER_EXECUTION_ROLE` where
    Control Tower must operate: the region restriction and the protection of the security
    services (Config, CloudTrail). :attr:`exempt_roles` lists every role any statement exempts.
    """

    deployment_role_pattern: str
    break_glass_role: str
    allowed_regions: tuple[str, ...] = ()
    resource_prefix: str = "airlock-"
    filtered_egress: bool = False
    control_tower: bool = False

    def __post_init__(self) -> None:
        for prop in ("deployment_role_pattern", "break_glass_role"):
            value = getattr(self, prop)
            if not value.startswith("arn:") or ":role/" not in value:
                raise ValueError(f"{prop} '{value}' is not an IAM role ARN pattern; write e.g. 'arn:aws:iam::*:role/x'")
        if not self.resource_prefix or "*" in self.resource_prefix:
            raise ValueError(f"resource_prefix '{self.resource_prefix}' must be a literal name prefix, e.g. 'airlock-'")

    @property
    def exempt(self) -> list[str]:
        return [self.deployment_role_pattern, self.break_glass_role]

    @property
    def exempt_where_control_tower_operates(self) -> list[str]:
        """:attr:`exempt`, and Control Tower's execution role when ``control_tower`` is set."""
        return [*self.exempt, CONTROL_TOWER_EXECUTION_ROLE] if self.control_tower else self.exempt

    @property
    def exempt_roles(self) -> tuple[str, ...]:
        """Every role ARN pattern that some statement exempts (whose names must stay protected)."""
        return tuple(self.exempt_where_control_tower_operates)


def deny(
    sid: str,
    exempt: Sequence[str],
    *,
    actions: Sequence[str] | None = None,
    not_actions: Sequence[str] | None = None,
    resources: Sequence[str] = ("*",),
    conditions: dict[str, dict[str, Any]] | None = None,
) -> Statement:
    """A deny statement that exempts exactly ``exempt`` (role ARN patterns) and nobody else."""
    if (actions is None) == (not_actions is None):
        raise ValueError(f"statement {sid}: give exactly one of actions or not_actions")
    if not exempt:
        raise ValueError(f"statement {sid}: exempt is empty; name the break-glass role at least")
    statement: Statement = {"Sid": sid, "Effect": "Deny"}
    if actions is not None:
        statement["Action"] = _one_or_list(actions)
    else:
        statement["NotAction"] = _one_or_list(not_actions or ())
    statement["Resource"] = _one_or_list(resources)
    condition: dict[str, dict[str, Any]] = {"ArnNotLike": {"aws:PrincipalARN": _one_or_list(exempt)}}
    for operator, values in (conditions or {}).items():
        if operator == "ArnNotLike":
            raise ValueError(f"statement {sid}: ArnNotLike is reserved for the exemption")
        condition[operator] = values
    statement["Condition"] = condition
    return statement


def _one_or_list(values: Sequence[str]) -> str | list[str]:
    values = list(values)
    return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class Guardrail:
    """A named SCP building block: what it denies, why, how to exempt, and its statements."""

    name: str
    denies: str
    why: str
    exempt: str
    build: Callable[[GuardrailContext], list[Statement]] = field(repr=False)

    def statements(self, context: GuardrailContext) -> list[Statement]:
        return self.build(context)


def _leave_organization(ctx: GuardrailContext) -> list[Statement]:
    return [deny("AirlockDenyLeaveOrganization", ctx.exempt, actions=["organizations:LeaveOrganization"])]


def _root_user(ctx: GuardrailContext) -> list[Statement]:
    return [
        deny(
            "AirlockDenyRootUser",
            ctx.exempt,
            actions=["*"],
            conditions={"ArnLike": {"aws:PrincipalARN": "arn:aws:iam::*:root"}},
        )
    ]


def _iam_users(ctx: GuardrailContext) -> list[Statement]:
    return [
        deny(
            "AirlockDenyIamUsers",
            ctx.exempt,
            actions=[
                "iam:CreateAccessKey",
                "iam:CreateLoginProfile",
                "iam:CreateUser",
                "iam:UpdateAccessKey",
                "iam:UpdateLoginProfile",
            ],
        )
    ]


def _internet_gateway(ctx: GuardrailContext) -> list[Statement]:
    exempt = ctx.exempt if ctx.filtered_egress else [ctx.break_glass_role]
    return [
        deny(
            "AirlockDenyInternetGateway",
            exempt,
            actions=[
                "ec2:AttachInternetGateway",
                "ec2:CreateInternetGateway",
                "ec2:CreateVpcBlockPublicAccessExclusion",
                "ec2:ModifyVpcBlockPublicAccessExclusion",
            ],
        )
    ]


def _network_paths(ctx: GuardrailContext) -> list[Statement]:
    return [
        deny(
            "AirlockDenyNetworkPaths",
            [ctx.break_glass_role],
            actions=[
                "directconnect:AcceptDirectConnectGatewayAssociationProposal",
                "directconnect:CreateDirectConnectGatewayAssociation",
                "directconnect:CreatePrivateVirtualInterface",
                "directconnect:CreateTransitVirtualInterface",
                "ec2:AcceptTransitGatewayPeeringAttachment",
                "ec2:AcceptTransitGatewayVpcAttachment",
                "ec2:AcceptVpcPeeringConnection",
                "ec2:AttachVpnGateway",
                "ec2:CreateClientVpnEndpoint",
                "ec2:CreateCustomerGateway",
                "ec2:CreateEgressOnlyInternetGateway",
                "ec2:CreateTransitGatewayVpcAttachment",
                "ec2:CreateVpcPeeringConnection",
                "ec2:CreateVpnConnection",
                "ec2:CreateVpnGateway",
                "globalaccelerator:CreateAccelerator",
                "globalaccelerator:CreateCustomRoutingAccelerator",
                "globalaccelerator:CreateEndpointGroup",
            ],
        )
    ]


def _security_services(ctx: GuardrailContext) -> list[Statement]:
    return [
        deny(
            "AirlockProtectSecurityServices",
            ctx.exempt_where_control_tower_operates,
            actions=[
                "access-analyzer:CreateArchiveRule",
                "access-analyzer:DeleteAnalyzer",
                "access-analyzer:UpdateArchiveRule",
                "cloudtrail:DeleteTrail",
                "cloudtrail:PutEventSelectors",
                "cloudtrail:StopLogging",
                "cloudtrail:UpdateTrail",
                "config:DeleteConfigurationRecorder",
                "config:DeleteDeliveryChannel",
                "config:StopConfigurationRecorder",
                "guardduty:CreateFilter",
                "guardduty:DeleteDetector",
                "guardduty:DisassociateFromAdministratorAccount",
                "guardduty:DisassociateFromMasterAccount",
                "guardduty:UpdateDetector",
                "securityhub:BatchDisableStandards",
                "securityhub:DisableSecurityHub",
                "securityhub:DisassociateFromAdministratorAccount",
                "securityhub:DisassociateFromMasterAccount",
            ],
        )
    ]


def _logs(ctx: GuardrailContext) -> list[Statement]:
    return [
        deny("AirlockProtectFlowLogs", ctx.exempt, actions=["ec2:DeleteFlowLogs"]),
        deny(
            "AirlockProtectLogGroups",
            ctx.exempt,
            actions=[
                "logs:DeleteLogGroup",
                "logs:DeleteLogStream",
                "logs:DeleteRetentionPolicy",
                "logs:DisassociateKmsKey",
                "logs:PutRetentionPolicy",
            ],
            resources=[f"arn:aws:logs:*:*:log-group:{ctx.resource_prefix}*"],
        ),
    ]


def _regions(ctx: GuardrailContext) -> list[Statement]:
    if not ctx.allowed_regions:
        raise ValueError("allowed_regions is empty; the region guardrail needs the regions integrations may use")
    return [
        deny(
            "AirlockRestrictRegions",
            ctx.exempt_where_control_tower_operates,
            not_actions=GLOBAL_SERVICE_ACTIONS,
            conditions={"StringNotEquals": {"aws:RequestedRegion": _one_or_list(sorted(ctx.allowed_regions))}},
        )
    ]


def _external_sharing(ctx: GuardrailContext) -> list[Statement]:
    return [
        deny(
            "AirlockDenyExternalRamShares",
            ctx.exempt,
            actions=["ram:CreateResourceShare", "ram:UpdateResourceShare"],
            conditions={"Bool": {"ram:RequestedAllowsExternalPrincipals": "true"}},
        ),
        deny("AirlockDenyRamInvitations", ctx.exempt, actions=["ram:AcceptResourceShareInvitation"]),
    ]


def _s3_public_access_block(ctx: GuardrailContext) -> list[Statement]:
    return [deny("AirlockProtectS3PublicAccessBlock", ctx.exempt, actions=["s3:PutAccountPublicAccessBlock"])]


def _airlock_resources(ctx: GuardrailContext) -> list[Statement]:
    prefix = ctx.resource_prefix
    tagged = {"Null": {f"aws:ResourceTag/{AIRLOCK_TAG}": "false"}}
    return [
        deny(
            "AirlockProtectRoles",
            # The break-glass role is named airlock-* too, and its StackSet keeps it current.
            [*ctx.exempt, STACKSET_EXECUTION_ROLE],
            actions=[
                "iam:AttachRolePolicy",
                "iam:DeleteRole",
                "iam:DeleteRolePermissionsBoundary",
                "iam:DeleteRolePolicy",
                "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary",
                "iam:PutRolePolicy",
                "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy",
                "iam:UpdateRole",
            ],
            resources=[f"arn:aws:iam::*:role/{prefix}*"],
        ),
        deny(
            "AirlockProtectQueues",
            ctx.exempt,
            actions=[
                "sqs:AddPermission",
                "sqs:DeleteQueue",
                "sqs:RemovePermission",
                "sqs:SetQueueAttributes",
                "sqs:UntagQueue",
            ],
            resources=[f"arn:aws:sqs:*:*:{prefix}*"],
        ),
        deny(
            "AirlockProtectTaggedResources",
            ctx.exempt,
            actions=[
                "ec2:DeleteVpcEndpoints",
                "ec2:ModifyVpcEndpoint",
                "kms:DisableKey",
                "kms:PutKeyPolicy",
                "kms:ScheduleKeyDeletion",
                "network-firewall:DeleteFirewall",
                "network-firewall:DeleteFirewallPolicy",
                "network-firewall:DeleteRuleGroup",
                "network-firewall:DisassociateSubnets",
                "network-firewall:UpdateFirewallPolicy",
                "network-firewall:UpdateLoggingConfiguration",
                "network-firewall:UpdateRuleGroup",
            ],
            conditions=tagged,
        ),
        deny(
            "AirlockProtectAirlockTags",
            ctx.exempt,
            actions=["ec2:DeleteTags", "kms:UntagResource", "network-firewall:UntagResource"],
            conditions={"ForAnyValue:StringLike": {"aws:TagKeys": "airlock:*"}},
        ),
    ]


#: The role that service-managed StackSets deploy with in each target account (created by
#: AWS through a service-linked role, which SCPs do not restrict).
STACKSET_EXECUTION_ROLE = "arn:aws:iam::*:role/stacksets-exec-*"
#: Changing any of these on a role whose name a guardrail exempts would hand out the exemption.
ROLE_CHANGE_ACTIONS: tuple[str, ...] = (
    "iam:AttachRolePolicy",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePermissionsBoundary",
    "iam:DeleteRolePolicy",
    "iam:DetachRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
)


def exempt_role_patterns(ctx: GuardrailContext) -> list[str]:
    """Every role ARN pattern some guardrail exempts, and the StackSet execution role."""
    return list(dict.fromkeys([*ctx.exempt, STACKSET_EXECUTION_ROLE]))


def _exempt_roles(ctx: GuardrailContext) -> list[Statement]:
    """An exemption by role name holds only while nobody else can make or change such a role.

    Roles named like an exemption (the deployment roles, the break-glass role, the StackSet
    execution role) are created and changed only by the StackSet execution role (which
    bootstraps the accounts) and the break-glass role; and only exempt principals may pass
    them to a service (an administrator passing the CloudFormation execution role to a stack
    of its own would deploy with the exemption).
    """
    protected = exempt_role_patterns(ctx)
    return [
        deny(
            "AirlockProtectExemptRoles",
            [STACKSET_EXECUTION_ROLE, ctx.break_glass_role],
            actions=ROLE_CHANGE_ACTIONS,
            resources=protected,
        ),
        deny("AirlockProtectExemptRolePassing", ctx.exempt, actions=["iam:PassRole"], resources=protected),
    ]


#: Statements every target with guardrails carries: without them, any exemption is a way out.
EXEMPT_ROLE_PROTECTION = Guardrail(
    "protect-exempt-roles",
    denies="creating, changing or passing roles whose names a guardrail exempts (deployment roles, "
    "break-glass role, StackSet execution role)",
    why="an administrator who makes a role with an exempt name, or passes the deployment role to a service, "
    "acts with the exemption and escapes every guardrail",
    exempt="StackSet execution role and break-glass role (changes); the exempt roles themselves (passing)",
    build=_exempt_roles,
)


def _quarantine(ctx: GuardrailContext) -> list[Statement]:
    return [deny("AirlockQuarantine", ctx.exempt, actions=["*"])]


GUARDRAILS: dict[str, Guardrail] = {
    g.name: g
    for g in (
        Guardrail(
            "deny-leave-organization",
            denies="organizations:LeaveOrganization",
            why="an account that leaves the organization sheds every SCP; a vendor holding it would be unfenced",
            exempt="break-glass role, deployment role",
            build=_leave_organization,
        ),
        Guardrail(
            "deny-root-user",
            denies="every action by the account's root user",
            why="root credentials of an intermediate account bypass every role, boundary and session condition",
            exempt="none needed: the exemption roles are roles, never root; use the break-glass role",
            build=_root_user,
        ),
        Guardrail(
            "deny-iam-users",
            denies="creating IAM users, access keys and login profiles, reactivating keys, changing passwords",
            why="long-lived user credentials handed to a vendor outlive the integration and escape session "
            "conditions, external ids and the kill switch",
            exempt="break-glass role, deployment role",
            build=_iam_users,
        ),
        Guardrail(
            "deny-internet-gateway",
            denies="creating or attaching internet gateways, creating or changing VPC Block Public Access exclusions",
            why="an internet gateway turns the isolated VPC into a direct path between the vendor's data and "
            "the internet, past every filter",
            exempt="break-glass role; with filtered egress declared on the integration, also its deployment role",
            build=_internet_gateway,
        ),
        Guardrail(
            "deny-network-paths",
            denies="egress-only gateways, VPC peering, Transit Gateway attachments, VPN and Direct Connect "
            "gateways and interfaces, Global Accelerator",
            why="each is a network path into other networks (the vendor's or the organisation's core) that "
            "bypasses PrivateLink, security groups and the firewall",
            exempt="break-glass role only (no airlock deployment creates these)",
            build=_network_paths,
        ),
        Guardrail(
            "protect-security-services",
            denies="stopping or changing CloudTrail, Config, GuardDuty, Security Hub and IAM Access Analyzer",
            why="a vendor who blinds the detective controls can then act unseen",
            exempt="break-glass role, deployment role; with organization.guardrails.control_tower, also "
            "AWSControlTowerExecution",
            build=_security_services,
        ),
        Guardrail(
            "protect-logs",
            denies="deleting flow logs; deleting, re-keying or shortening airlock log groups",
            why="the flow logs are the record of what crossed the airlock; erasing them erases the evidence",
            exempt="break-glass role, deployment role",
            build=_logs,
        ),
        Guardrail(
            "restrict-regions",
            denies="every regional action outside the allowed regions (global services excepted)",
            why="resources in unwatched regions escape the flow logs, budgets and reviews of the integration",
            exempt="break-glass role, deployment role; with organization.guardrails.control_tower, also "
            "AWSControlTowerExecution; add a region to organization.allowed_regions",
            build=_regions,
        ),
        Guardrail(
            "deny-external-sharing",
            denies="RAM shares that allow principals outside the organization; accepting RAM invitations",
            why="a share is a path for the vendor's resources (e.g. a transit gateway) into the account, or "
            "for the account's resources out to the vendor",
            exempt="break-glass role, deployment role",
            build=_external_sharing,
        ),
        Guardrail(
            "protect-s3-public-access-block",
            denies="changing the account's S3 Block Public Access settings",
            why="lifting the account-level block makes a public drop-zone bucket one policy away",
            exempt="break-glass role, deployment role",
            build=_s3_public_access_block,
        ),
        Guardrail(
            "protect-airlock-resources",
            denies="changing or deleting airlock roles and queues (named airlock-*), and airlock-tagged KMS "
            "keys, VPC endpoints and network firewalls, or removing their airlock:* tags",
            why="the vendor must not widen its own role, open a queue, disable a key or loosen the firewall "
            "that fences it",
            exempt="break-glass role, deployment role",
            build=_airlock_resources,
        ),
    )
}

#: The kill switch: attached to a suspended integration's account, not selectable.
QUARANTINE = Guardrail(
    "quarantine",
    denies="every action",
    why="the kill switch: a suspended integration's account is frozen for everyone but the platform team",
    exempt="break-glass role, deployment role",
    build=_quarantine,
)

#: Guardrails for the dedicated OU when the spec chooses none.
DEFAULT_OU_GUARDRAILS: tuple[str, ...] = tuple(name for name in GUARDRAILS if name != "deny-internet-gateway")
#: Guardrails attached to each intermediate account when the spec chooses none.
DEFAULT_ACCOUNT_GUARDRAILS: tuple[str, ...] = ("deny-internet-gateway",)


def statement_owners(context: GuardrailContext) -> dict[str, str]:
    """Statement id -> name of the guardrail that makes it (for messages on what to drop)."""
    owners = {}
    for guardrail in (*GUARDRAILS.values(), QUARANTINE, EXEMPT_ROLE_PROTECTION):
        for statement in guardrail.statements(context):
            owners[statement["Sid"]] = guardrail.name
    return owners


def guardrail_statements(names: Sequence[str], context: GuardrailContext) -> list[Statement]:
    """The statements of the named guardrails, in catalogue order."""
    unknown = sorted(set(names) - set(GUARDRAILS))
    if unknown:
        raise ValueError(f"unknown guardrails {unknown}; choose from {sorted(GUARDRAILS)}")
    statements: list[Statement] = []
    for name in GUARDRAILS:
        if name in names:
            statements.extend(GUARDRAILS[name].statements(context))
    if statements:
        statements.extend(EXEMPT_ROLE_PROTECTION.statements(context))
    return statements
