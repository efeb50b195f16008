"""Spec of the data perimeter: resource control policies and their declared exceptions.

The RCPs (docs/guardrails.md, "Data perimeter") deny the resources of every intermediate
account to principals outside the organisation and the vendor's declared accounts. Turning
them off, or widening them, is explicit here, with a reason the register shows.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator

from airlock.spec.base import SpecModel
from airlock.spec.organization import ScpQuotas
from airlock.spec.types import AccountId

#: Services whose resources RCPs cover (and so whose ARNs an exception may name).
_RCP_ARN = re.compile(
    r"^arn:aws[a-z-]*:(s3|sqs|kms|secretsmanager|sts|iam|ecr|aoss|cognito-identity|cognito-idp|logs|dynamodb):"
    r"[a-z0-9-]*:(\d{12}|\*)?:[^\s]+$"
)


class PerimeterOptOut(SpecModel):
    """Why the organisation runs without resource control policies (shown in the register)."""

    reason: str = Field(
        min_length=20,
        max_length=512,
        description="Why RCPs are off (e.g. 'RCPs are not enabled in the organization yet: CHG-1234').",
    )


class OrganizationPerimeter(SpecModel):
    """The resource control policies of the intermediate accounts.

    AWS Organizations must have the ``RESOURCE_CONTROL_POLICY`` type enabled on the root
    (``aws organizations enable-policy-type``; README, deployment steps) before the first
    deployment; an organisation that cannot enable it opts out with a reason.
    """

    resource_control_policies: bool = Field(
        default=True,
        description="Attach the data-perimeter RCPs to every intermediate account and keep the quarantine RCP "
        "(needs organization.organization_id). Default: on.",
    )
    ec2_declarative_policy: bool = Field(
        default=True,
        description="Attach the EC2 declarative policy to the dedicated OU: VPC Block Public Access bidirectional "
        "(exclusions only for the NAT subnets of declared filtered egress), IMDSv2 required, no public AMI or "
        "snapshot sharing, serial console off. Needs the DECLARATIVE_POLICY_EC2 policy type enabled. Default: on.",
    )
    tag_policy: bool = Field(
        default=True,
        description="Attach a tag policy for the mandatory airlock:* tags to the dedicated OU (key capitalisation; "
        "the allowed values of airlock:data-classification). Needs the TAG_POLICY policy type enabled. Default: on.",
    )
    opt_out: PerimeterOptOut | None = Field(
        default=None,
        description="Required when resource_control_policies, ec2_declarative_policy or tag_policy is false: why, "
        "for the register.",
    )
    quotas: ScpQuotas = Field(
        default_factory=ScpQuotas,
        description="RCP size and attachment quotas (AWS: 5,120 characters, 5 per target with RCPFullAWSAccess).",
    )

    @model_validator(mode="after")
    def _opt_out_has_reason(self) -> OrganizationPerimeter:
        names = ("resource_control_policies", "ec2_declarative_policy", "tag_policy")
        off = [name for name in names if not getattr(self, name)]
        if off and self.opt_out is None:
            raise ValueError(
                f"{' and '.join(off)} is false without opt_out; add opt_out: {{reason: '<why it is off, "
                f"at least 20 characters>'}}, or set {off[0]}: true"
            )
        if not off and self.opt_out is not None:
            raise ValueError(
                "opt_out is given while every perimeter policy is on; remove opt_out, or turn a policy off"
            )
        return self


class TrustedAccount(SpecModel):
    """An account besides the vendor's whose principals pass the perimeter of one integration."""

    account_id: AccountId = Field(description="The account whose principals the RCP admits.")
    reason: str = Field(
        min_length=20, max_length=512, description="Why its principals need the integration's resources."
    )


class ExcludedResource(SpecModel):
    """A resource left outside the identity perimeter (e.g. one the vendor owns and shares)."""

    arn: str = Field(description="ARN (or ARN pattern with *) of the resource the perimeter does not cover.")
    reason: str = Field(min_length=20, max_length=512, description="Why the perimeter cannot cover it.")

    @field_validator("arn")
    @classmethod
    def _arn(cls, value: str) -> str:
        if not _RCP_ARN.match(value) or value.strip("*:") in ("", "arn"):
            raise ValueError(
                f"'{value}' is not an ARN of a service RCPs cover (s3, sqs, kms, secretsmanager, sts, ...); write "
                "e.g. 'arn:aws:s3:::vendor-owned-bucket/*'"
            )
        if value.endswith(":*") or value in ("*", "arn:aws:*"):
            raise ValueError(f"'{value}' excludes a whole service; name the resource, e.g. 'arn:aws:s3:::bucket/*'")
        return value


class IntegrationPerimeter(SpecModel):
    """Declared exceptions to the data perimeter of one intermediate account, each with a reason."""

    trusted_accounts: list[TrustedAccount] = Field(
        default_factory=list,
        description="Accounts besides vendor.account_ids whose principals the RCP admits (the resource "
        "policies must still grant them).",
    )
    excluded_resources: list[ExcludedResource] = Field(
        default_factory=list, description="Resources the identity perimeter does not cover."
    )

    @field_validator("trusted_accounts")
    @classmethod
    def _unique_accounts(cls, value: list[TrustedAccount]) -> list[TrustedAccount]:
        ids = [entry.account_id for entry in value]
        duplicates = sorted({item for item in ids if ids.count(item) > 1})
        if duplicates:
            raise ValueError(f"accounts {duplicates} listed twice; list each once")
        return value
