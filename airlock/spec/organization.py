"""Spec of the organization layer: OU tree, guardrail selection, SCP quotas, bootstrap, sync.

The guardrail names are listed here (the spec never imports the constructs); a unit test
keeps this list equal to the catalogue in :mod:`airlock.constructs.guardrails`.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from airlock.spec.base import SpecModel
from airlock.spec.types import AccountId, Region

GuardrailName = Literal[
    "deny-leave-organization",
    "deny-root-user",
    "deny-iam-users",
    "deny-internet-gateway",
    "deny-network-paths",
    "protect-security-services",
    "protect-logs",
    "restrict-regions",
    "deny-external-sharing",
    "protect-s3-public-access-block",
    "protect-airlock-resources",
]

#: The dedicated OU's guardrails when the spec names none: all but the internet-gateway deny,
#: which sits on each account so that filtered egress can exempt one account from it.
DEFAULT_OU_GUARDRAILS: tuple[GuardrailName, ...] = (
    "deny-leave-organization",
    "deny-root-user",
    "deny-iam-users",
    "deny-network-paths",
    "protect-security-services",
    "protect-logs",
    "restrict-regions",
    "deny-external-sharing",
    "protect-s3-public-access-block",
    "protect-airlock-resources",
)
DEFAULT_ACCOUNT_GUARDRAILS: tuple[GuardrailName, ...] = ("deny-internet-gateway",)

#: AWS Organizations nests OUs at most five levels below the root.
MAX_OU_DEPTH = 5

_OU_NAME = re.compile(r"^[\w .@+=,-]{1,128}$")
_QUALIFIER = re.compile(r"^[A-Za-z0-9_-]{1,10}$")
_MANAGED_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")


def _unique(value: list[str], what: str) -> list[str]:
    duplicates = sorted({v for v in value if value.count(v) > 1})
    if duplicates:
        raise ValueError(f"{what} {duplicates} listed twice; list each once")
    return value


class SubOu(SpecModel):
    """An OU below the dedicated OU (e.g. by environment or data classification)."""

    name: str = Field(description="OU name, unique in the whole tree; integrations refer to it by this name.")
    guardrails: list[GuardrailName] = Field(
        default_factory=list, description="Guardrails attached to this OU in addition to those inherited."
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Tags of this OU (besides organization.tags).")
    ous: list[SubOu] = Field(default_factory=list, description="OUs below this one.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _OU_NAME.match(value):
            raise ValueError(f"'{value}' is not a valid OU name; use 1-128 letters, digits, spaces and . @ + = , - _")
        return value

    @field_validator("guardrails")
    @classmethod
    def _unique_guardrails(cls, value: list[str]) -> list[str]:
        return _unique(value, "guardrails")


class ScpQuotas(SpecModel):
    """The Organizations quotas that generated SCPs must respect."""

    max_policy_characters: int = Field(
        default=5120, ge=100, le=65536, description="Largest SCP, in characters of minified JSON (AWS: 5,120)."
    )
    max_policies_per_target: int = Field(
        default=5,
        ge=1,
        le=100,
        description="SCPs attached to one root, OU or account, FullAWSAccess included (AWS: 5).",
    )


class ExternalScp(SpecModel):
    """An SCP attached outside airlock; it takes an attachment slot on its targets."""

    name: str = Field(min_length=1, max_length=128, description="Name of the SCP, for messages.")
    ous: list[str] = Field(
        default_factory=list, description="OU names (the dedicated OU or sub-OUs) it is attached to."
    )
    integrations: list[str] = Field(
        default_factory=list, description="Integrations whose intermediate accounts it is attached to."
    )


class OrganizationGuardrails(SpecModel):
    """Guardrails of the dedicated OU, the quotas and SCPs attached outside airlock."""

    ou: list[GuardrailName] = Field(
        default_factory=lambda: list(DEFAULT_OU_GUARDRAILS),
        description="Guardrails attached to the dedicated OU. Default: every guardrail but deny-internet-gateway.",
    )
    quotas: ScpQuotas = Field(default_factory=ScpQuotas, description="SCP size and attachment quotas.")
    external_scps: list[ExternalScp] = Field(
        default_factory=list, description="SCPs attached outside airlock, counted against the attachment quota."
    )
    control_tower: bool = Field(
        default=False,
        description="The organization is governed by AWS Control Tower: the region restriction and the "
        "protection of the security services also exempt AWSControlTowerExecution, so Control Tower can "
        "enroll the accounts and keep its baseline (Config, CloudTrail) in every governed region. Default: off.",
    )

    @field_validator("ou")
    @classmethod
    def _unique_guardrails(cls, value: list[str]) -> list[str]:
        return _unique(value, "guardrails")


class BreakGlass(SpecModel):
    """The break-glass role in every account of the dedicated OU, made by a StackSet.

    The guardrails let only the StackSet execution role and the break-glass role itself create
    a role of that name, so it is rolled out the same way the CDK bootstrap is.
    """

    create: bool = Field(
        default=True,
        description="Create the break-glass role (organization.break_glass_role) in every account of the "
        "dedicated OU with a service-managed StackSet. Set false only if your own service-managed StackSet "
        "creates it.",
    )
    trusted_account_id: AccountId | None = Field(
        default=None,
        description="Account whose principals may assume the break-glass role (its IAM policies decide who). "
        "Default: the management account.",
    )


class Bootstrap(SpecModel):
    """CDK bootstrap of every account in the dedicated OU, by a service-managed StackSet."""

    enabled: bool = Field(default=True, description="Roll the CDK bootstrap template out to the dedicated OU.")
    trusted_account_id: AccountId | None = Field(
        default=None, description="Account that runs cdk deploy into the intermediate accounts. Default: management."
    )
    regions: list[Region] | None = Field(
        default=None, description="Regions to bootstrap. Default: organization.allowed_regions."
    )
    execution_policies: list[str] = Field(
        default_factory=lambda: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        min_length=1,
        description="Managed policies of the CloudFormation execution role (the SCPs still fence it).",
    )
    qualifier: str = Field(default="hnb659fds", description="CDK bootstrap qualifier.")
    break_glass: BreakGlass = Field(
        default_factory=BreakGlass, description="The break-glass role in every account of the dedicated OU."
    )

    @field_validator("qualifier")
    @classmethod
    def _qualifier(cls, value: str) -> str:
        if not _QUALIFIER.match(value):
            raise ValueError(f"'{value}' is not a CDK qualifier; use 1-10 letters, digits, '_' or '-' (e.g. hnb659fds)")
        return value

    @field_validator("execution_policies")
    @classmethod
    def _policies(cls, value: list[str]) -> list[str]:
        for arn in value:
            if not _MANAGED_POLICY_ARN.match(arn):
                raise ValueError(
                    f"'{arn}' is not a managed policy ARN; write e.g. 'arn:aws:iam::aws:policy/AdministratorAccess'"
                )
        return value


class AccountSync(SpecModel):
    """How `airlock accounts sync` reads the organization."""

    role_arn: str | None = Field(
        default=None,
        description="Role in the management account to assume for reading accounts. Default: the caller's credentials.",
    )

    @field_validator("role_arn")
    @classmethod
    def _role(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$", value):
            raise ValueError(f"'{value}' is not an IAM role ARN; write e.g. 'arn:aws:iam::123456789012:role/reader'")
        return value


#: Default number of account stacks (``airlock-organization-accounts-NN``).
DEFAULT_ACCOUNT_STACKS = 20
MAX_ACCOUNT_STACKS = 99


class OrganizationLayout(SpecModel):
    """How the management account's resources are split across stacks (docs/deployment-at-scale.md).

    ``airlock-organization`` holds the OU tree, the OU guardrails, the quarantine SCP and the
    bootstrap StackSet. Each integration's created account and account guardrails go into one
    of ``account_stacks`` stacks ``airlock-organization-accounts-NN``, chosen by a consistent
    hash of the integration's name: adding or removing integrations never moves another one.
    """

    account_stacks: int = Field(
        default=DEFAULT_ACCOUNT_STACKS,
        ge=1,
        le=MAX_ACCOUNT_STACKS,
        description="Number of account stacks the integrations are hashed into. Raising it moves about 1/N of "
        "the integrations into the new stacks: read docs/deployment-at-scale.md before changing it once deployed.",
    )
    kept_in_organization_stack: list[str] = Field(
        default_factory=list,
        description="Integrations whose account and account guardrails were deployed in airlock-organization "
        "before the split (airlock 0.1); they stay there, under the same logical ids, so no account is replaced.",
    )

    @field_validator("kept_in_organization_stack")
    @classmethod
    def _unique_names(cls, value: list[str]) -> list[str]:
        return _unique(value, "integrations")


class IntegrationGuardrails(SpecModel):
    """Guardrails attached to one intermediate account.

    The internet-gateway guardrail exempts the account's deployment role exactly when the
    integration declares filtered egress (``network.egress``): the exemption follows what
    the stack deploys, so neither can be had without the other.
    """

    account: list[GuardrailName] = Field(
        default_factory=lambda: list(DEFAULT_ACCOUNT_GUARDRAILS),
        description="Guardrails attached to the intermediate account. Default: deny-internet-gateway.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_filtered_egress(cls, value: object) -> object:
        if isinstance(value, dict) and "filtered_egress" in value:
            raise ValueError(
                "'filtered_egress' is not a setting: the deployment role may create the internet gateway exactly "
                "when the integration declares network.egress; remove 'filtered_egress' and declare "
                "network.egress with the allowed domains"
            )
        return value

    @field_validator("account")
    @classmethod
    def _unique_guardrails(cls, value: list[str]) -> list[str]:
        return _unique(value, "guardrails")


SubOu.model_rebuild()
