"""Mutations of the recipes' templates: each weakens or breaks one vendor pattern, and the proof
names what broke (a flow step, a probe no longer denied, access beyond or short of the grants)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from airlock.access.proof import RULE_BEYOND, RULE_FLOW, RULE_INEFFECTIVE, RULE_PROBE, RULE_UNDECIDED, prove
from airlock.spec import load, load_account_lock
from tests.unit.access.test_proof_mutations import Template, mutated, statements_of


@pytest.fixture
def failures(recipe_check, tmp_path):
    def run(recipe: str, stack: str, edit: Callable[[Template], None]) -> list[tuple[str, str]]:
        checked = recipe_check(recipe)
        folder = mutated(checked.assembly.outdir, tmp_path / "cdk.out", stack, edit)
        proof = prove(folder, load(checked.spec), load_account_lock(checked.spec))
        return [(f.rule, f.message) for f in proof.failures()]

    return run


def _vendor_statements(template: Template) -> list[list[dict]]:
    return [
        *statements_of(template, "AWS::IAM::ManagedPolicy", "PolicyDocument", "VendorAccessPermissions"),
        *statements_of(template, "AWS::IAM::ManagedPolicy", "PolicyDocument", "VendorAccessBoundary"),
    ]


def test_dropping_the_acl_condition_lets_uploads_without_it_through(failures):
    def edit(template: Template) -> None:
        for statements in _vendor_statements(template):
            for statement in statements:
                if statement.get("Sid") == "PutObjects0":
                    statement.pop("Condition")

    found = failures("segment-s3-destination", "airlock-segment-eu-central-1", edit)
    assert any(rule == RULE_PROBE and "put under segment-logs/ without an ACL" in m for rule, m in found), found
    assert any(
        rule == RULE_BEYOND and "s3:PutObject on" in m and "with" not in m.split("on", 1)[1] for rule, m in found
    )


def test_removing_the_self_assume_trust_breaks_the_credential_validation(failures):
    def edit(template: Template) -> None:
        for logical, resource in template["Resources"].items():
            if logical.startswith("VendorAccess") and resource["Type"] == "AWS::IAM::Role":
                document = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
                document[:] = [s for s in document if s.get("Sid") != "SelfAssume"]

    found = failures("databricks-credential-role", "airlock-lake-raw-eu-central-1", edit)
    assert any(
        rule == RULE_FLOW and "the role assumes itself" in m and "assumes airlock-lake-raw-vendor again" in m
        for rule, m in found
    ), found


def test_opening_the_trust_to_the_whole_intermediate_account_is_caught_by_the_probe(failures):
    def edit(template: Template) -> None:
        for logical, resource in template["Resources"].items():
            if logical.startswith("VendorAccess") and resource["Type"] == "AWS::IAM::Role":
                for statement in resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]:
                    if statement.get("Sid") == "SelfAssume":
                        statement["Condition"].pop("ArnEquals")

    found = failures("databricks-credential-role", "airlock-lake-raw-eu-central-1", edit)
    assert any(
        rule == RULE_PROBE and "another principal of 260000000006 assumes airlock-lake-raw-vendor" in m
        for rule, m in found
    ), found


def test_a_listing_condition_widened_to_the_whole_bucket_is_access_beyond_the_grant(failures):
    def edit(template: Template) -> None:
        for statements in _vendor_statements(template):
            for statement in statements:
                if statement.get("Sid") == "ReadObjects0List":
                    statement["Condition"] = {"StringLike": {"s3:prefix": ["*"]}}

    found = failures("snowflake-storage-integration", "airlock-warehouse-eu-central-1", edit)
    assert any(rule == RULE_PROBE and "list the drop zone with prefix 'unload/'" in m for rule, m in found), found
    assert any(rule == RULE_BEYOND and "s3:ListBucket" in m and "s3:prefix=unload/" in m for rule, m in found)


def test_a_write_action_slipped_into_the_monitoring_grant_is_caught(failures):
    def edit(template: Template) -> None:
        for statements in _vendor_statements(template):
            for statement in statements:
                if statement.get("Sid") == "Monitoring0Scoped0":
                    statement["Action"] = [*statement["Action"], "cloudwatch:PutMetricAlarm"]

    found = failures("datadog-monitoring", "airlock-telemetry-eu-central-1", edit)
    assert any(rule == RULE_PROBE and "monitoring: change an alarm" in m for rule, m in found), found
    assert any(rule == RULE_BEYOND and "cloudwatch:PutMetricAlarm" in m for rule, m in found)


def test_a_read_grant_missing_from_the_boundary_is_an_ineffective_grant(failures):
    def edit(template: Template) -> None:
        for statements in statements_of(template, "AWS::IAM::ManagedPolicy", "PolicyDocument", "VendorAccessBoundary"):
            statements[:] = [s for s in statements if s.get("Sid") != "ReadObjects0"]

    found = failures("fivetran-s3-connector", "airlock-elt-eu-central-1", edit)
    assert any(
        rule == RULE_FLOW and "vendor grant read_objects export/fivetran/" in m and "s3:GetObject" in m
        for rule, m in found
    ), found
    assert any(rule == RULE_INEFFECTIVE and "cannot s3:GetObject on" in m for rule, m in found), found


_HOOKS = "airlock-code-events-eu-central-1"


def _by_type(template: Template, type_: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == type_]


def test_a_webhook_role_that_may_send_anywhere_fails_the_other_queue_probes(failures):
    def edit(template: Template) -> None:
        for policy in _by_type(template, "AWS::IAM::ManagedPolicy"):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if statement["Action"] == "sqs:SendMessage":
                    statement["Resource"] = "*"

    found = failures("github-webhooks", _HOOKS, edit)
    assert any(
        rule == RULE_PROBE and "webhook github's role sends to airlock-code-events-deliveries-dlq" in m
        for rule, m in found
    ), found
    assert any(rule == RULE_PROBE and "sends to airlock-proof-any-queue" in m for rule, m in found)


def test_an_ip_set_of_the_whole_internet_fails_the_waf_probe(failures):
    def edit(template: Template) -> None:
        for ip_set in _by_type(template, "AWS::WAFv2::IPSet"):
            ip_set["Properties"]["Addresses"] = ["0.0.0.0/0"]

    found = failures("github-webhooks", _HOOKS, edit)
    assert (
        [m for rule, m in found if rule == RULE_PROBE]
        == [m for rule, m in found if rule == RULE_PROBE and "deliver to webhook github from 203.0.113.200" in m]
        != []
    ), found


def test_a_resource_policy_without_the_source_condition_fails_the_policy_probe(failures):
    def edit(template: Template) -> None:
        for api in _by_type(template, "AWS::ApiGateway::RestApi"):
            for statement in api["Properties"]["Policy"]["Statement"]:
                statement.pop("Condition")

    found = failures("github-webhooks", _HOOKS, edit)
    assert any(rule == RULE_PROBE and "invoke webhook github from 203.0.113.200" in m for rule, m in found), found


def test_a_stage_without_its_web_acl_breaks_the_delivery(failures):
    def edit(template: Template) -> None:
        resources = template["Resources"]
        for logical in [k for k, r in resources.items() if r["Type"] == "AWS::WAFv2::WebACLAssociation"]:
            del resources[logical]

    found = failures("github-webhooks", _HOOKS, edit)
    assert any(
        rule == RULE_FLOW and "vendor delivers to webhook github" in m and "no web ACL is associated" in m
        for rule, m in found
    ), found


def test_dropping_the_rule_condition_lets_any_rule_deliver_into_the_buffer(failures):
    def edit(template: Template) -> None:
        for statements in statements_of(template, "AWS::SQS::QueuePolicy", "PolicyDocument"):
            for statement in statements:
                if str(statement.get("Sid", "")).startswith("AllowPartnerEvents"):
                    statement.pop("Condition")

    found = failures("salesforce-event-relay", "airlock-crm-events-eu-central-1", edit)
    assert any(
        rule == RULE_PROBE and "EventBridge delivers to order-events for another rule of the account" in m
        for rule, m in found
    ), found


def test_an_unmodelled_waf_rule_makes_the_delivery_undecided(failures):
    def edit(template: Template) -> None:
        for acl in _by_type(template, "AWS::WAFv2::WebACL"):
            acl["Properties"]["Rules"].insert(
                0,
                {
                    "Name": "Geo",
                    "Priority": 0,
                    "Action": {"Block": {}},
                    "Statement": {"GeoMatchStatement": {"CountryCodes": ["US"]}},
                    "VisibilityConfig": {},
                },
            )

    found = failures("github-webhooks", _HOOKS, edit)
    undecided = [m for rule, m in found if rule == RULE_UNDECIDED and "only IP set rules are modelled" in m]
    assert any("vendor delivers to webhook github" in m for m in undecided), found
    assert any("from 203.0.113.200" in m for m in undecided), found


def test_an_integration_sending_to_another_queue_breaks_the_delivery(failures):
    def edit(template: Template) -> None:
        for method in _by_type(template, "AWS::ApiGateway::Method"):
            method["Properties"]["Integration"]["Uri"] = (
                "arn:aws:apigateway:eu-central-1:sqs:path/280000000008/elsewhere"
            )

    found = failures("github-webhooks", _HOOKS, edit)
    assert any(rule == RULE_FLOW and "not the queue airlock-code-events-deliveries" in m for rule, m in found), found


def test_a_rule_that_no_longer_matches_the_source_breaks_the_delivery(failures):
    def edit(template: Template) -> None:
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Events::Rule":
                resource["Properties"]["EventPattern"] = {"source": ["aws.partner/salesforce.com/other/channel"]}

    found = failures("salesforce-event-relay", "airlock-crm-events-eu-central-1", edit)
    assert any(rule == RULE_FLOW and "not the declared pattern" in m for rule, m in found), found


def test_a_missing_vendor_notification_breaks_snowflakes_auto_ingest(failures):
    def edit(template: Template) -> None:
        for resource in template["Resources"].values():
            configuration = resource.get("Properties", {}).get("NotificationConfiguration")
            if resource["Type"] == "AWS::S3::Bucket" and configuration:
                configuration["QueueConfigurations"] = [
                    c for c in configuration["QueueConfigurations"] if "sf-snowpipe" not in str(c.get("Queue"))
                ]

    found = failures("snowflake-storage-integration", "airlock-warehouse-eu-central-1", edit)
    assert any(rule == RULE_FLOW and "is not configured for" in m for rule, m in found), found


def _endpoint_policies(template: Template) -> dict[str, list[dict]]:
    return {
        logical: resource["Properties"]["PolicyDocument"]["Statement"]
        for logical, resource in template["Resources"].items()
        if resource["Type"] == "AWS::EC2::VPCEndpoint"
    }


def test_dropping_the_vendor_statement_breaks_the_pull_from_the_marketplace_registry(failures):
    def edit(template: Template) -> None:
        for statements in _endpoint_policies(template).values():
            statements[:] = [s for s in statements if s.get("Sid") != "OrganizationPrincipalsToDeclaredVendorResources"]

    found = failures("datadog-agent-marketplace", "airlock-dd-agent-us-east-1", edit)
    assert any(
        rule == RULE_FLOW
        and "vendor resources of 709825985650 through the ecr.dkr endpoint" in m
        and "ecr:BatchGetImage" in m
        for rule, m in found
    ), found


def test_widening_the_vendor_statement_to_any_account_is_caught_by_the_outside_account_probes(failures):
    def edit(template: Template) -> None:
        for statements in _endpoint_policies(template).values():
            for statement in statements:
                if statement.get("Sid") == "OrganizationPrincipalsToDeclaredVendorResources":
                    del statement["Condition"]["StringEquals"]["aws:ResourceAccount"]

    found = failures("datadog-agent-marketplace", "airlock-dd-agent-us-east-1", edit)
    assert any(
        rule == RULE_PROBE and "reach a resource of outside account 999999999999 through the ecr.dkr endpoint" in m
        for rule, m in found
    ), found


def test_a_condition_on_the_layer_statement_breaks_the_layer_download(failures):
    def edit(template: Template) -> None:
        for statements in _endpoint_policies(template).values():
            for statement in statements:
                if statement.get("Sid") == "ReadAwsOwnedObjects":
                    statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": "o-c0nt0s0fr8"}}

    found = failures("datadog-agent-marketplace", "airlock-dd-agent-us-east-1", edit)
    assert any(rule == RULE_FLOW and "ECR image layers through the s3 endpoint" in m for rule, m in found), found
