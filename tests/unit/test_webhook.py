"""VendorWebhook on its own: the endpoint, its two allow-lists, the validator and the one-queue role."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from airlock.constructs import IntegrationBuffer, VendorWebhook
from airlock.constructs.webhook import ALLOW_RULE, MANAGED_RULE_GROUPS, SECURITY_POLICY

RANGES = ["192.30.252.0/22", "140.82.112.0/20"]


def stack():
    app = cdk.App(analytics_reporting=False)
    return cdk.Stack(app, "Hooks", env=cdk.Environment(account="280000000008", region="eu-central-1"))


def webhook(*, synth=True, **props):
    scope = stack()
    buffer = IntegrationBuffer(scope, "Deliveries", queue_name="deliveries")
    built = VendorWebhook(
        scope,
        "GitHub",
        queue=buffer.queue,
        source_ranges=props.pop("source_ranges", RANGES),
        path="hooks/github",
        required_headers=["X-GitHub-Event", "X-Hub-Signature-256"],
        api_name="airlock-code-github",
        **props,
    )
    return scope, buffer, built, Template.from_stack(scope) if synth else None


def test_the_api_is_regional_tls_1_2_and_admits_only_the_ranges():
    _, _, _, template = webhook()
    template.has_resource_properties(
        "AWS::ApiGateway::RestApi",
        {
            "Name": "airlock-code-github",
            "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "SecurityPolicy": SECURITY_POLICY,
            "Policy": {
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "*"},
                        "Action": "execute-api:Invoke",
                        "Resource": "execute-api:/prod/POST/hooks/github",
                        "Condition": {"IpAddress": {"aws:SourceIp": RANGES}},
                    }
                ],
                "Version": "2012-10-17",
            },
        },
    )
    assert SECURITY_POLICY == "TLS_1_2"


def test_the_web_acl_allows_the_ip_set_after_the_managed_groups_and_blocks_the_rest():
    _, _, _, template = webhook()
    template.has_resource_properties(
        "AWS::WAFv2::IPSet", {"Scope": "REGIONAL", "IPAddressVersion": "IPV4", "Addresses": RANGES}
    )
    (acl,) = template.find_resources("AWS::WAFv2::WebACL").values()
    props = acl["Properties"]
    assert props["DefaultAction"] == {"Block": {}} and props["Scope"] == "REGIONAL"
    rules = sorted(props["Rules"], key=lambda r: r["Priority"])
    assert [r["Name"] for r in rules] == [*MANAGED_RULE_GROUPS, ALLOW_RULE]
    assert all(r["OverrideAction"] == {"None": {}} for r in rules[:-1])
    assert rules[-1]["Action"] == {"Allow": {}}
    assert "IPSetReferenceStatement" in rules[-1]["Statement"]
    template.resource_count_is("AWS::WAFv2::WebACLAssociation", 1)
    template.has_resource_properties(
        "AWS::WAFv2::LoggingConfiguration",
        {"LogDestinationConfigs": [Match.any_value()]},
    )
    (logging,) = template.find_resources("AWS::WAFv2::LoggingConfiguration").values()
    assert ":log-group:aws-waf-logs-airlock-code-github" in str(logging["Properties"]["LogDestinationConfigs"])


def test_the_stage_logs_traces_and_throttles():
    _, _, _, template = webhook(throttling_rate_limit=50, throttling_burst_limit=100)
    template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "prod",
            "TracingEnabled": True,
            "AccessLogSetting": Match.object_like({"DestinationArn": Match.any_value()}),
            "MethodSettings": [
                Match.object_like(
                    {
                        "LoggingLevel": "ERROR",
                        "DataTraceEnabled": False,
                        "ThrottlingRateLimit": 50,
                        "ThrottlingBurstLimit": 100,
                    }
                )
            ],
        },
    )
    template.resource_count_is("AWS::ApiGateway::Account", 1)
    for group in template.find_resources("AWS::Logs::LogGroup").values():
        assert "KmsKeyId" in group["Properties"] and "RetentionInDays" in group["Properties"]


def test_the_method_validates_and_sends_straight_to_sqs_through_its_role():
    _, _, built, template = webhook(body_schema={"type": "object", "required": ["action"]})
    template.has_resource_properties(
        "AWS::ApiGateway::RequestValidator", {"ValidateRequestBody": True, "ValidateRequestParameters": True}
    )
    template.has_resource_properties("AWS::ApiGateway::Model", {"Schema": {"type": "object", "required": ["action"]}})
    (method,) = template.find_resources("AWS::ApiGateway::Method").values()
    props = method["Properties"]
    assert props["HttpMethod"] == "POST" and props["AuthorizationType"] == "NONE"
    assert props["RequestParameters"] == {
        "method.request.header.X-GitHub-Event": True,
        "method.request.header.X-Hub-Signature-256": True,
    }
    integration = props["Integration"]
    assert integration["Type"] == "AWS" and integration["PassthroughBehavior"] == "NEVER"
    uri = str(integration["Uri"])
    assert ":apigateway:eu-central-1:sqs:path/280000000008/" in uri and "DeliveriesQueue" in uri
    template_text = integration["RequestTemplates"]["application/json"]
    assert template_text.startswith("Action=SendMessage&MessageBody=$util.urlEncode($input.body)")
    assert "MessageAttribute.2.Name=X-Hub-Signature-256" in template_text
    assert set(integration["Credentials"]["Fn::GetAtt"]) == {template_logical(template, built.role), "Arn"}


def template_logical(template, construct):
    return cdk.Stack.of(construct).get_logical_id(construct.node.default_child)


def test_the_integration_role_may_only_send_to_its_queue_and_use_its_key_through_sqs():
    _, buffer, built, template = webhook()
    template.has_resource_properties(
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Statement": [
                    {
                        "Action": "sts:AssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                    }
                ],
                "Version": "2012-10-17",
            },
            "Description": Match.string_like_regexp("send each delivery to its one queue"),
        },
    )
    policies = [
        p
        for p in template.find_resources("AWS::IAM::ManagedPolicy").values()
        if "SendMessage" in p["Properties"]["Description"]
    ]
    (policy,) = policies
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    stack_of = cdk.Stack.of(built)
    assert statements == [
        {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": stack_of.resolve(buffer.queue.queue_arn)},
        {
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Condition": {"StringEquals": {"kms:ViaService": "sqs.eu-central-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": stack_of.resolve(buffer.key.key_arn),
        },
    ]


def test_suspended_allows_nothing():
    _, _, _, template = webhook(suspended=True)
    (acl,) = template.find_resources("AWS::WAFv2::WebACL").values()
    assert ALLOW_RULE not in [r["Name"] for r in acl["Properties"]["Rules"]]
    assert acl["Properties"]["DefaultAction"] == {"Block": {}}
    (api,) = template.find_resources("AWS::ApiGateway::RestApi").values()
    assert [s["Effect"] for s in api["Properties"]["Policy"]["Statement"]] == ["Deny"]


def test_grant_send_returns_a_grant_with_exactly_the_endpoints_permissions():
    scope, _buffer, built, _ = webhook(synth=False)
    other = iam.Role(scope, "Relay", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = built.grant_send(other)
    assert isinstance(grant, iam.Grant) and grant.success
    template = Template.from_stack(scope)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {"Action": "sqs:SendMessage", "Effect": "Allow", "Resource": Match.any_value()},
                    Match.object_like({"Action": ["kms:GenerateDataKey", "kms:Decrypt"]}),
                ],
                "Version": "2012-10-17",
            }
        },
    )


@pytest.mark.parametrize(
    ("ranges", "fragment"),
    [
        ([], "source_ranges is empty"),
        (["0.0.0.0/0"], "not one of a vendor's public ranges"),
        (["10.0.0.0/8"], "not one of a vendor's public ranges"),
        (["192.30.252.1/22"], "not an IPv4 network block"),
    ],
)
def test_impossible_source_ranges_are_refused(ranges, fragment):
    with pytest.raises(ValueError, match=fragment):
        webhook(source_ranges=ranges)


def test_a_fifo_queue_is_refused():
    scope = stack()
    queue = sqs.Queue(scope, "Ordered", fifo=True)
    with pytest.raises(ValueError, match="the queue is FIFO"):
        VendorWebhook(scope, "Hook", queue=queue, source_ranges=RANGES)


def integration_stack(**changes):
    from airlock.spec import validate
    from airlock.stacks import IntegrationStack
    from tests.specs import spec_data

    hook = {"name": "github", "buffer": "inbound", "source_ranges": RANGES, "path": "hooks/github"}
    spec = validate(spec_data(**{"integrations.0.webhooks": [hook], **changes}))
    return IntegrationStack(
        cdk.App(),
        "Crm",
        organization=spec.organization,
        integration=spec.integration("crm"),
        env=cdk.Environment(account="210000000001", region="eu-central-1"),
    )


def test_the_stack_outputs_the_webhook_url_and_names_the_api_after_the_integration():
    stack = integration_stack()
    template = Template.from_stack(stack)
    outputs = template.find_outputs("githubWebhookUrl")
    assert list(outputs) == ["githubWebhookUrl"]
    assert "/hooks/github" in json.dumps(outputs["githubWebhookUrl"]["Value"])
    template.has_resource_properties("AWS::ApiGateway::RestApi", {"Name": "airlock-crm-github"})
    template.has_resource_properties("AWS::WAFv2::WebACL", {"Name": "airlock-crm-github-acl"})
    assert stack.webhooks["github"].queue is stack.buffers["inbound"].queue


def test_a_suspended_integration_s_webhook_allows_nothing():
    template = Template.from_stack(integration_stack(**{"integrations.0.state": "suspended"}))
    (acl,) = template.find_resources("AWS::WAFv2::WebACL").values()
    assert [r["Name"] for r in acl["Properties"]["Rules"]] == list(MANAGED_RULE_GROUPS)


def test_a_stack_that_sets_the_account_logging_elsewhere_gets_no_second_account_resource():
    _, _, _, template = webhook(configure_account_logging=False)
    template.resource_count_is("AWS::ApiGateway::Account", 0)


def test_two_webhooks_in_a_stack_share_one_account_logging_role():
    scope = stack()
    buffer = IntegrationBuffer(scope, "Deliveries", queue_name="deliveries")
    for name in ("One", "Two"):
        VendorWebhook(scope, name, queue=buffer.queue, source_ranges=RANGES, api_name=f"hooks-{name.lower()}")
    template = Template.from_stack(scope)
    template.resource_count_is("AWS::ApiGateway::Account", 1)
    template.resource_count_is("AWS::WAFv2::WebACL", 2)
