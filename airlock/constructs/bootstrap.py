"""CDK bootstrap of new accounts: a service-managed StackSet that follows an OU."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from aws_cdk import aws_cloudformation as cloudformation
from constructs import Construct

#: CloudFormation's limit for a template passed inline (TemplateBody), in bytes.
MAX_TEMPLATE_BODY_BYTES = 51_200
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_QUALIFIER = re.compile(r"^[A-Za-z0-9_-]{1,10}$")


class AccountBootstrap(Construct):
    """Rolls the CDK bootstrap template out to every account in the given OUs, automatically.

    A service-managed ``AWS::CloudFormation::StackSet`` with automatic deployment: an account
    created in (or moved into) one of ``organizational_unit_ids`` gets the bootstrap stack in
    each of ``regions`` with no manual step, and loses it when it leaves (default:
    ``retain_stacks_on_account_removal=False``). ``template_body`` is the bootstrap template
    of the pinned CDK CLI (JSON or YAML, at most 51,200 bytes). The bootstrap roles trust
    ``trusted_account_ids`` and give CloudFormation ``execution_policies``. Default
    ``qualifier``: ``hnb659fds``, the CDK default. ``stack_set`` is the L1 resource.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        template_body: str,
        organizational_unit_ids: Sequence[str],
        regions: Sequence[str],
        trusted_account_ids: Sequence[str],
        execution_policies: Sequence[str],
        qualifier: str = "hnb659fds",
        stack_set_name: str = "airlock-cdk-bootstrap",
        retain_stacks_on_account_removal: bool = False,
    ) -> None:
        super().__init__(scope, id)
        size = len(template_body.encode("utf-8"))
        if size > MAX_TEMPLATE_BODY_BYTES:
            raise ValueError(
                f"template_body has {size} bytes, above CloudFormation's TemplateBody limit of "
                f"{MAX_TEMPLATE_BODY_BYTES}; minify it (JSON without whitespace) or host it in S3"
            )
        if not organizational_unit_ids:
            raise ValueError("organizational_unit_ids is empty; name the OU whose accounts get bootstrapped")
        if not regions:
            raise ValueError("regions is empty; name the regions where new accounts receive cdk deploy")
        bad = [a for a in trusted_account_ids if not _ACCOUNT_ID.match(a)]
        if not trusted_account_ids or bad:
            raise ValueError(
                f"trusted_account_ids {list(trusted_account_ids)} must be 12-digit account ids; "
                "name the account that runs cdk deploy"
            )
        if not _QUALIFIER.match(qualifier):
            raise ValueError(
                f"qualifier '{qualifier}' must be 1-10 letters, digits, '_' or '-' (CDK default hnb659fds)"
            )
        parameters = {
            "TrustedAccounts": ",".join(trusted_account_ids),
            "CloudFormationExecutionPolicies": ",".join(execution_policies),
            "Qualifier": qualifier,
        }
        self.stack_set = cloudformation.CfnStackSet(
            self,
            "Resource",
            stack_set_name=stack_set_name,
            description="saas-airlock: CDK bootstrap of every account in the dedicated OU",
            permission_model="SERVICE_MANAGED",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=True, retain_stacks_on_account_removal=retain_stacks_on_account_removal
            ),
            capabilities=["CAPABILITY_NAMED_IAM"],
            managed_execution={"Active": True},
            call_as="SELF",
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                failure_tolerance_count=0, max_concurrent_percentage=100, region_concurrency_type="PARALLEL"
            ),
            parameters=[
                cloudformation.CfnStackSet.ParameterProperty(parameter_key=k, parameter_value=v)
                for k, v in parameters.items()
            ],
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=cloudformation.CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=list(organizational_unit_ids)
                    ),
                    regions=list(regions),
                )
            ],
            template_body=template_body,
        )


_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
BREAK_GLASS_ADMINISTRATOR = "arn:aws:iam::aws:policy/AdministratorAccess"


def break_glass_template(role_name: str, trusted_account_id: str) -> str:
    """The StackSet template of the break-glass role: one administrator role trusting one account."""
    template = {
        "Description": "saas-airlock: the break-glass role of an intermediate account",
        "Resources": {
            "BreakGlassRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role_name,
                    "Description": "Break-glass access of the platform team; every airlock guardrail exempts it",
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": f"arn:aws:iam::{trusted_account_id}:root"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    },
                    "ManagedPolicyArns": [BREAK_GLASS_ADMINISTRATOR],
                    "MaxSessionDuration": 3600,
                    "Tags": [{"Key": "airlock:component", "Value": "break-glass"}],
                },
            }
        },
    }
    return json.dumps(template, separators=(",", ":"), sort_keys=True)


class BreakGlassRole(Construct):
    """The break-glass role in every account of the given OUs, rolled out by a StackSet.

    Guardrails that exempt a role by name hold only if nobody else can create a role of that
    name; airlock's SCPs let only the StackSet execution role and the break-glass role do it.
    So this service-managed ``AWS::CloudFormation::StackSet`` (automatic deployment, one region:
    IAM roles are global) creates ``role_name`` in each account of ``organizational_unit_ids``,
    trusting ``trusted_account_id`` (whose IAM policies decide who may assume it), with
    ``AdministratorAccess`` and one-hour sessions. ``stack_set`` is the L1 resource.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        role_name: str,
        trusted_account_id: str,
        organizational_unit_ids: Sequence[str],
        region: str,
        stack_set_name: str = "airlock-break-glass",
    ) -> None:
        super().__init__(scope, id)
        if not _ROLE_NAME.match(role_name):
            raise ValueError(f"role_name '{role_name}' is not a literal IAM role name; pass e.g. 'airlock-break-glass'")
        if not _ACCOUNT_ID.match(trusted_account_id):
            raise ValueError(f"trusted_account_id '{trusted_account_id}' is not a 12-digit account id")
        if not organizational_unit_ids:
            raise ValueError("organizational_unit_ids is empty; name the OU whose accounts get the role")
        self.role_name = role_name
        self.stack_set = cloudformation.CfnStackSet(
            self,
            "Resource",
            stack_set_name=stack_set_name,
            description="saas-airlock: the break-glass role in every account of the dedicated OU",
            permission_model="SERVICE_MANAGED",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=True, retain_stacks_on_account_removal=True
            ),
            capabilities=["CAPABILITY_NAMED_IAM"],
            managed_execution={"Active": True},
            call_as="SELF",
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                failure_tolerance_count=0, max_concurrent_percentage=100
            ),
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=cloudformation.CfnStackSet.DeploymentTargetsProperty(
                        organizational_unit_ids=list(organizational_unit_ids)
                    ),
                    regions=[region],
                )
            ],
            template_body=break_glass_template(role_name, trusted_account_id),
        )
