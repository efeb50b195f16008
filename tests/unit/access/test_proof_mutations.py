"""Targeted mutations of the synthesized templates: each makes the proof fail naming the broken step.

The example's assembly is copied and one policy statement is changed in the copy, as a later
hand edit or a regression in a construct would change it; the proof must notice.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airlock.access.proof import (
    RULE_BEYOND,
    RULE_DEPLOY,
    RULE_FLOW,
    RULE_INEFFECTIVE,
    RULE_PROBE,
    RULE_UNDECIDED,
    prove,
)
from airlock.spec import load_account_lock
from tests.conftest import EXAMPLE_SPEC

Template = dict[str, Any]


def mutated(source: Path, target: Path, stack: str, edit: Callable[[Template], None]) -> Path:
    """Copy the assembly and edit the template of ``stack`` (a glob: ``airlock-organization*`` is the
    organization layer, the organization stack and its account stacks)."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.assets.json", "tree.json"))
    paths = sorted(target.glob(f"{stack}.template.json"))
    assert paths, stack
    for path in paths:
        template = json.loads(path.read_text())
        edit(template)
        path.write_text(json.dumps(template))
    return target


def resources(template: Template, type_: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == type_}


def statements_of(template: Template, type_: str, prop: str, prefix: str = "") -> list[list[dict[str, Any]]]:
    return [r["Properties"][prop]["Statement"] for k, r in resources(template, type_).items() if k.startswith(prefix)]


def drop_sid(statements: list[dict[str, Any]], sid: str) -> None:
    before = len(statements)
    statements[:] = [s for s in statements if s.get("Sid") != sid]
    assert len(statements) == before - 1, sid


@pytest.fixture
def failures(example_assembly, example_spec, tmp_path):
    def run(stack: str, edit: Callable[[Template], None], integration: str) -> list[tuple[str, str]]:
        folder = mutated(example_assembly.outdir, tmp_path / "cdk.out", stack, edit)
        proof = prove(folder, example_spec, load_account_lock(EXAMPLE_SPEC), names=[integration])
        return [(f.rule, f.message) for f in proof.failures()]

    return run


def test_removing_a_grant_from_the_vendors_boundary_breaks_its_flow(failures):
    def edit(template: Template) -> None:
        for statements in statements_of(template, "AWS::IAM::ManagedPolicy", "PolicyDocument", "VendorAccessBoundary"):
            drop_sid(statements, "Send1")

    found = failures("airlock-payroll-eu-central-1", edit, "payroll")
    assert any(
        rule == RULE_FLOW
        and "flow 'vendor grant send payroll-files' is broken at step" in message
        and "calls sqs:SendMessage" in message
        and "permissions boundary" in message
        for rule, message in found
    ), found
    assert any(rule == RULE_INEFFECTIVE and "sqs:SendMessage" in message for rule, message in found)


def test_a_queue_policy_naming_the_role_grants_alone_within_the_boundary(failures):
    """Same account: a resource policy that names the role ARN grants without an identity policy,
    limited by the boundary (IAM policy evaluation logic, "Policy evaluation for requests within a
    single account", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html)."""

    def edit(template: Template) -> None:
        for statements in statements_of(
            template, "AWS::IAM::ManagedPolicy", "PolicyDocument", "VendorAccessPermissions"
        ):
            drop_sid(statements, "Send1")

    found = failures("airlock-payroll-eu-central-1", edit, "payroll")
    assert [f for f in found if "sqs:SendMessage" in f[1] and f[0] in (RULE_FLOW, RULE_INEFFECTIVE)] == []


def test_removing_a_key_policy_statement_breaks_the_core_consumer_at_decrypt(failures):
    def edit(template: Template) -> None:
        for statements in statements_of(template, "AWS::KMS::Key", "KeyPolicy", "Bufferspayrollfiles"):
            drop_sid(statements, "CoreConsumers")

    found = failures("airlock-payroll-eu-central-1", edit, "payroll")
    assert any(
        rule == RULE_FLOW and "reads payroll-files' is broken at step 'sqs calls kms:Decrypt" in message
        for rule, message in found
    ), found


def test_removing_the_bucket_policy_statement_of_the_readers_breaks_reading_the_file(failures):
    def edit(template: Template) -> None:
        for statements in statements_of(template, "AWS::S3::BucketPolicy", "PolicyDocument", "DropZoneBucket"):
            drop_sid(statements, "CoreReaders")

    found = failures("airlock-payroll-eu-central-1", edit, "payroll")
    assert any(
        rule == RULE_FLOW
        and "reads the files under drop/ledgerly/' is broken at step" in message
        and "s3:GetObject" in message
        for rule, message in found
    ), found


def test_removing_the_endpoint_policy_statement_breaks_the_service_endpoint_flow(failures):
    def edit(template: Template) -> None:
        for endpoint in resources(template, "AWS::EC2::VPCEndpoint").values():
            if endpoint["Properties"].get("ServiceName", "").endswith(".sqs"):
                drop_sid(
                    endpoint["Properties"]["PolicyDocument"]["Statement"], "OrganizationPrincipalsToOwnResourcesOnly"
                )

    found = failures("airlock-crm-eu-central-1", edit, "crm")
    assert any(
        rule == RULE_FLOW
        and "'service endpoint sqs (eu-central-1)' is broken at step" in message
        and "endpoint policy" in message
        for rule, message in found
    ), found


def test_widening_the_boundary_and_the_permissions_is_access_beyond_the_grants(failures):
    wide = {"Sid": "Wide", "Effect": "Allow", "Action": "sqs:*", "Resource": "*"}

    def edit(template: Template) -> None:
        for prefix in ("VendorAccessPermissions", "VendorAccessBoundary"):
            for statements in statements_of(template, "AWS::IAM::ManagedPolicy", "PolicyDocument", prefix):
                statements.append(dict(wide))

    found = failures("airlock-payroll-eu-central-1", edit, "payroll")
    beyond = [message for rule, message in found if rule == RULE_BEYOND]
    assert any(
        "sqs:PurgeQueue on arn:aws:sqs:eu-central-1:220000000002:airlock-payroll-payroll-files" in m for m in beyond
    )
    assert any("sqs:ListQueues on *" in m for m in beyond)


def test_widening_only_the_boundary_grants_nothing_more(failures):
    def edit(template: Template) -> None:
        for statements in statements_of(template, "AWS::IAM::ManagedPolicy", "PolicyDocument", "VendorAccessBoundary"):
            statements.append({"Sid": "Wide", "Effect": "Allow", "Action": "*", "Resource": "*"})

    # A boundary limits; it never grants. The vendor's access is still exactly its grants.
    assert [f for f in failures("airlock-payroll-eu-central-1", edit, "payroll") if f[0] == RULE_BEYOND] == []


def test_removing_the_protection_of_exempt_role_names_lets_an_administrator_escape(failures):
    def edit(template: Template) -> None:
        for policy in resources(template, "AWS::Organizations::Policy").values():
            if policy["Properties"]["Type"] != "SERVICE_CONTROL_POLICY":
                continue
            statements = policy["Properties"]["Content"]["Statement"]
            statements[:] = [s for s in statements if s["Sid"] != "AirlockProtectExemptRoles"]

    found = failures("airlock-organization*", edit, "events")
    assert any(rule == RULE_PROBE and "iam:CreateRole on cdk-hnb659fds-escape" in message for rule, message in found)


def test_an_internet_gateway_deny_without_the_deployment_exemption_is_undeployable(failures):
    def edit(template: Template) -> None:
        for policy in resources(template, "AWS::Organizations::Policy").values():
            for statement in policy["Properties"]["Content"].get("Statement", []):
                if statement["Sid"] == "AirlockDenyInternetGateway":
                    statement["Condition"]["ArnNotLike"]["aws:PrincipalARN"] = "arn:aws:iam::*:role/airlock-break-glass"

    found = failures("airlock-organization*", edit, "events")
    assert any(
        rule == RULE_DEPLOY
        and "cannot create NetworkEgressInternetGateway" in message
        and "ec2:CreateInternetGateway" in message
        and "statement AirlockDenyInternetGateway" in message
        for rule, message in found
    ), found


def test_a_dns_allow_list_without_the_endpoint_names_breaks_the_vendor_endpoint(failures):
    def edit(template: Template) -> None:
        for domain_list in resources(template, "AWS::Route53Resolver::FirewallDomainList").values():
            domains = domain_list["Properties"]["Domains"]
            domains[:] = [d for d in domains if "vpce.amazonaws.com" not in d]

    found = failures("airlock-crm-eu-central-1", edit, "crm")
    assert any(
        rule == RULE_FLOW
        and "'vendor endpoint nimbus-api (eu-central-1)' is broken at step 'the VPC resolves" in message
        and "NXDOMAIN" in message
        for rule, message in found
    ), found


def test_a_policy_the_model_cannot_read_is_undecided_never_allowed(failures):
    def edit(template: Template) -> None:
        for statements in statements_of(
            template, "AWS::IAM::ManagedPolicy", "PolicyDocument", "VendorAccessPermissions"
        ):
            for statement in statements:
                statement["Resource"] = {"Fn::GetAtt": ["NoSuchResource", "Arn"]}

    found = failures("airlock-payroll-eu-central-1", edit, "payroll")
    assert any(rule == RULE_UNDECIDED and "undecided" in message.lower() for rule, message in found), found
    assert all(rule != RULE_FLOW or "undecided" not in message for rule, message in found)
