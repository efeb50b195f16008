"""AirlockChecks rules as pure functions: a compliant and a non-compliant case for each."""

from __future__ import annotations

from typing import Any

import pytest

from airlock.compliance.rules import COMPLIANT, NON_COMPLIANT, NOT_APPLICABLE, RULES, Declarations, Resource

ACCOUNT = "210000000001"
VENDOR = "900000000011"
TAGS = ("airlock:integration", "airlock:owner", "airlock:vendor", "airlock:data-classification")


def res(type_: str, props: dict[str, Any] | None = None, *, logical_id: str = "R", others=None, **kwargs) -> Resource:
    template = {logical_id: {"Type": type_, "Properties": props or {}}, **(others or {})}
    return Resource.from_template({"Resources": template}, logical_id, account=ACCOUNT, **kwargs)


def trust(principal: Any, condition: dict | None = None, action: str = "sts:AssumeRole") -> dict:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action, "Principal": {"AWS": principal}}
    if condition:
        statement["Condition"] = condition
    return {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}


def sg(ingress: list[dict]) -> dict:
    return {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "x", "SecurityGroupIngress": ingress}}


ENDPOINT_POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sqs:SendMessage",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        }
    ]
}
DEFAULT_ENDPOINT_POLICY = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}


def endpoint(groups: list | None = None, policy: dict | None = ENDPOINT_POLICY, type_: str = "Interface") -> dict:
    props: dict[str, Any] = {"VpcId": {"Ref": "Vpc"}, "ServiceName": "com.amazonaws.eu-central-1.sqs"}
    props["VpcEndpointType"] = type_
    if groups is not None:
        props["SecurityGroupIds"] = groups
    if policy is not None:
        props["PolicyDocument"] = policy
    return props


def check(rule_id: str, resource: Resource):
    return RULES[rule_id](resource)


# --- IsolatedNetwork -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "type_",
    [
        "AWS::EC2::VPCPeeringConnection",
        "AWS::EC2::TransitGatewayAttachment",
        "AWS::EC2::TransitGatewayVpcAttachment",
        "AWS::EC2::VPNConnection",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::VPCGatewayAttachment",
    ],
)
def test_isolated_network_flags_links_out_without_declared_filtering(type_):
    assert check("IsolatedNetwork", res(type_)) is NON_COMPLIANT


def test_isolated_network_accepts_links_out_behind_declared_filtering():
    declared = Declarations(filtered_egress="Egress/Firewall (AWS Network Firewall, domain allow-list)")
    assert check("IsolatedNetwork", res("AWS::EC2::InternetGateway", declarations=declared)) is COMPLIANT


def test_isolated_network_ignores_other_types():
    assert check("IsolatedNetwork", res("AWS::EC2::Subnet")) is NOT_APPLICABLE


# --- VpcFlowLog ------------------------------------------------------------------------------


def flow_log(traffic: str = "ALL", target: str = "Vpc", resource_type: str = "VPC") -> dict:
    return {
        "Type": "AWS::EC2::FlowLog",
        "Properties": {"ResourceId": {"Ref": target}, "ResourceType": resource_type, "TrafficType": traffic},
    }


def test_vpc_with_all_traffic_flow_log_is_compliant():
    vpc = res("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/24"}, logical_id="Vpc", others={"Log": flow_log()})
    assert check("VpcFlowLog", vpc) is COMPLIANT


@pytest.mark.parametrize(
    "others",
    [
        {},
        {"Log": flow_log(traffic="REJECT")},
        {"Log": flow_log(target="OtherVpc")},
        {"Log": flow_log(resource_type="Subnet")},
    ],
    ids=["no-flow-log", "rejected-only", "other-vpc", "subnet-level"],
)
def test_vpc_without_all_traffic_flow_log_is_not(others):
    vpc = res("AWS::EC2::VPC", {"CidrBlock": "10.0.0.0/24"}, logical_id="Vpc", others=others)
    assert check("VpcFlowLog", vpc) is NON_COMPLIANT


# --- endpoints -------------------------------------------------------------------------------


def test_interface_endpoint_with_closed_explicit_group_and_policy_is_compliant():
    group = sg([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "10.20.0.0/22"}])
    ep = res("AWS::EC2::VPCEndpoint", endpoint([{"Fn::GetAtt": ["Sg", "GroupId"]}]), others={"Sg": group})
    assert check("EndpointSecurityGroups", ep) is COMPLIANT
    assert check("EndpointPolicy", ep) is COMPLIANT


@pytest.mark.parametrize("cidr", [{"CidrIp": "0.0.0.0/0"}, {"CidrIpv6": "::/0"}])
def test_interface_endpoint_with_group_open_to_anywhere_is_not(cidr):
    group = sg([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, **cidr}])
    ep = res("AWS::EC2::VPCEndpoint", endpoint([{"Fn::GetAtt": ["Sg", "GroupId"]}]), others={"Sg": group})
    assert check("EndpointSecurityGroups", ep) is NON_COMPLIANT


def test_open_ingress_added_as_a_separate_resource_is_found():
    ingress = {
        "Type": "AWS::EC2::SecurityGroupIngress",
        "Properties": {"GroupId": {"Fn::GetAtt": ["Sg", "GroupId"]}, "IpProtocol": "-1", "CidrIp": "0.0.0.0/0"},
    }
    others = {"Sg": sg([]), "Open": ingress}
    ep = res("AWS::EC2::VPCEndpoint", endpoint([{"Fn::GetAtt": ["Sg", "GroupId"]}]), others=others)
    assert check("EndpointSecurityGroups", ep) is NON_COMPLIANT


@pytest.mark.parametrize(
    "groups", [None, [], [{"Fn::GetAtt": ["Vpc", "DefaultSecurityGroup"]}]], ids=["absent", "empty", "default"]
)
def test_interface_endpoint_without_explicit_group_is_not(groups):
    others = {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {}}}
    assert check("EndpointSecurityGroups", res("AWS::EC2::VPCEndpoint", endpoint(groups), others=others)) is (
        NON_COMPLIANT
    )


@pytest.mark.parametrize("policy", [None, DEFAULT_ENDPOINT_POLICY], ids=["absent", "default"])
def test_interface_endpoint_with_default_policy_is_not(policy):
    ep = res("AWS::EC2::VPCEndpoint", endpoint(["sg-0123456789abcdef0"], policy=policy))
    assert check("EndpointPolicy", ep) is NON_COMPLIANT


def test_gateway_endpoints_are_not_interface_endpoints():
    ep = res("AWS::EC2::VPCEndpoint", endpoint(None, policy=None, type_="Gateway"))
    assert check("EndpointSecurityGroups", ep) is NOT_APPLICABLE
    assert check("EndpointPolicy", ep) is NOT_APPLICABLE


def permissions(principals: list[str]) -> dict:
    return {
        "Type": "AWS::EC2::VPCEndpointServicePermissions",
        "Properties": {"ServiceId": {"Ref": "R"}, "AllowedPrincipals": principals},
    }


def test_endpoint_service_with_acceptance_and_named_principals_is_compliant():
    service = res(
        "AWS::EC2::VPCEndpointService",
        {"AcceptanceRequired": True, "NetworkLoadBalancerArns": ["arn"]},
        others={"Perm": permissions([f"arn:aws:iam::{VENDOR}:root"])},
    )
    assert check("EndpointServiceAcceptance", service) is COMPLIANT
    assert check("EndpointServicePrincipals", service) is COMPLIANT


@pytest.mark.parametrize("acceptance", [False, None])
def test_endpoint_service_without_acceptance_is_not(acceptance):
    props = {"NetworkLoadBalancerArns": ["arn"]} | (
        {"AcceptanceRequired": acceptance} if acceptance is not None else {}
    )
    assert check("EndpointServiceAcceptance", res("AWS::EC2::VPCEndpointService", props)) is NON_COMPLIANT


@pytest.mark.parametrize("others", [{}, {"Perm": permissions(["*"])}], ids=["none", "wildcard"])
def test_endpoint_service_without_named_principals_is_not(others):
    service = res("AWS::EC2::VPCEndpointService", {"AcceptanceRequired": True}, others=others)
    assert check("EndpointServicePrincipals", service) is NON_COMPLIANT


# --- CrossAccountTrust -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        trust(f"arn:aws:iam::{VENDOR}:root", {"StringEquals": {"sts:ExternalId": "a" * 32}}),
        trust(VENDOR, {"StringEquals": {"sts:ExternalId": "a" * 32}}),
        trust(
            [f"arn:aws:iam::{VENDOR}:role/integration"],
            {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        ),
    ],
    ids=["external-id", "external-id-account-id", "named-principal-in-org"],
)
def test_cross_account_trust_with_external_id_or_named_org_principal_is_compliant(document):
    assert check("CrossAccountTrust", res("AWS::IAM::Role", document)) is COMPLIANT


@pytest.mark.parametrize(
    "document",
    [
        trust(f"arn:aws:iam::{VENDOR}:root"),
        trust(f"arn:aws:iam::{VENDOR}:role/integration"),
        trust(f"arn:aws:iam::{VENDOR}:root", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        trust(f"arn:aws:iam::{VENDOR}:root", {"StringEqualsIfExists": {"sts:ExternalId": "a" * 32}}),
        trust("*", {"StringLike": {"sts:ExternalId": "*"}}),
        trust({"Fn::ImportValue": "vendor-principal"}),
    ],
    ids=["account-root", "named-without-org", "root-in-org", "if-exists", "wildcard", "unknown-token"],
)
def test_cross_account_trust_without_external_id_is_not(document):
    assert check("CrossAccountTrust", res("AWS::IAM::Role", document)) is NON_COMPLIANT


@pytest.mark.parametrize(
    "principal",
    [
        f"arn:aws:iam::{ACCOUNT}:root",
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"]]},
    ],
    ids=["literal", "token"],
)
def test_same_account_trust_is_not_cross_account(principal):
    assert check("CrossAccountTrust", res("AWS::IAM::Role", trust(principal))) is NOT_APPLICABLE


def test_service_trust_is_not_cross_account():
    document = {
        "AssumeRolePolicyDocument": {
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
            ]
        }
    }
    assert check("CrossAccountTrust", res("AWS::IAM::Role", document)) is NOT_APPLICABLE


# --- NoWildcardPrincipal ---------------------------------------------------------------------


def queue_policy(statement: dict) -> dict:
    return {"Queues": [{"Ref": "Q"}], "PolicyDocument": {"Statement": [statement]}}


ANYONE_SEND = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": "*"}


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        {"StringEquals": {"aws:SourceVpce": "vpce-0123"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:eu-central-1:210000000001:topic"}},
    ],
)
def test_wildcard_principal_with_restricting_condition_is_compliant(condition):
    policy = res("AWS::SQS::QueuePolicy", queue_policy({**ANYONE_SEND, "Condition": condition}))
    assert check("NoWildcardPrincipal", policy) is COMPLIANT


@pytest.mark.parametrize(
    "statement",
    [
        ANYONE_SEND,
        {**ANYONE_SEND, "Principal": "*"},
        {**ANYONE_SEND, "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {**ANYONE_SEND, "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-abc123"}}},
        {**ANYONE_SEND, "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}},
    ],
    ids=["aws-star", "star", "tls-only", "if-exists", "negated"],
)
def test_wildcard_principal_without_restricting_condition_is_not(statement):
    assert check("NoWildcardPrincipal", res("AWS::SQS::QueuePolicy", queue_policy(statement))) is NON_COMPLIANT


def test_wildcard_deny_is_fine():
    deny = {**ANYONE_SEND, "Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert check("NoWildcardPrincipal", res("AWS::SQS::QueuePolicy", queue_policy(deny))) is NOT_APPLICABLE


def test_wildcard_in_key_policy_and_lambda_permission():
    key = {"KeyPolicy": {"Statement": [{**ANYONE_SEND, "Action": "kms:Decrypt"}]}}
    assert check("NoWildcardPrincipal", res("AWS::KMS::Key", key)) is NON_COMPLIANT
    assert check("NoWildcardPrincipal", res("AWS::Lambda::Permission", {"Principal": "*"})) is NON_COMPLIANT
    pinned = {"Principal": "*", "SourceAccount": ACCOUNT}
    assert check("NoWildcardPrincipal", res("AWS::Lambda::Permission", pinned)) is COMPLIANT


# --- log groups and queues -------------------------------------------------------------------


def test_log_group_with_retention_and_key_is_compliant():
    group = res("AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": {"Fn::GetAtt": ["Key", "Arn"]}})
    assert check("LogGroupRetention", group) is COMPLIANT
    assert check("LogGroupEncryption", group) is COMPLIANT


def test_log_group_without_retention_or_key_is_not():
    group = res("AWS::Logs::LogGroup", {})
    assert check("LogGroupRetention", group) is NON_COMPLIANT
    assert check("LogGroupEncryption", group) is NON_COMPLIANT


def queue(props: dict | None = None) -> dict:
    return {"Type": "AWS::SQS::Queue", "Properties": props or {}}


KEY = {"Fn::GetAtt": ["Key", "Arn"]}


def test_queue_with_dlq_and_customer_managed_key_is_compliant():
    source = res(
        "AWS::SQS::Queue",
        {"KmsMasterKeyId": KEY, "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["Dlq", "Arn"]}}},
        others={"Dlq": queue({"KmsMasterKeyId": KEY})},
    )
    assert check("QueueDeadLetter", source) is COMPLIANT
    assert check("QueueCustomerManagedKey", source) is COMPLIANT


def test_dead_letter_queue_needs_no_dlq_of_its_own():
    redrive = {"RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": ["R", "Arn"]}}}
    dlq = res("AWS::SQS::Queue", {"KmsMasterKeyId": KEY}, others={"Source": queue(redrive)})
    assert check("QueueDeadLetter", dlq) is COMPLIANT


@pytest.mark.parametrize(
    "props",
    [{}, {"SqsManagedSseEnabled": True}, {"KmsMasterKeyId": "alias/aws/sqs"}],
    ids=["defaults", "sqs-managed", "aws-managed-key"],
)
def test_queue_at_defaults_or_with_aws_keys_is_not(props):
    plain = res("AWS::SQS::Queue", props)
    assert check("QueueDeadLetter", plain) is NON_COMPLIANT
    assert check("QueueCustomerManagedKey", plain) is NON_COMPLIANT


# --- MandatoryTags ---------------------------------------------------------------------------


def tagged(tags: dict[str, str], *, as_map: bool = False) -> Resource:
    value: Any = tags if as_map else [{"Key": k, "Value": v} for k, v in tags.items()]
    return res(
        "AWS::SQS::Queue",
        {"Tags": value},
        tag_property="Tags",
        declarations=Declarations(mandatory_tags=TAGS),
    )


ALL_TAGS = dict.fromkeys(TAGS, "x")


@pytest.mark.parametrize("as_map", [False, True])
def test_resource_with_every_mandatory_tag_is_compliant(as_map):
    assert check("MandatoryTags", tagged(ALL_TAGS, as_map=as_map)) is COMPLIANT


@pytest.mark.parametrize("missing", TAGS)
def test_resource_missing_a_mandatory_tag_is_not(missing):
    assert check("MandatoryTags", tagged({k: v for k, v in ALL_TAGS.items() if k != missing})) is NON_COMPLIANT
    assert check("MandatoryTags", tagged({**ALL_TAGS, missing: ""})) is NON_COMPLIANT


def test_tags_apply_only_where_declared_and_taggable():
    undeclared = res("AWS::SQS::Queue", {}, tag_property="Tags")
    untaggable = res("AWS::EC2::SubnetRouteTableAssociation", {}, declarations=Declarations(mandatory_tags=TAGS))
    assert check("MandatoryTags", undeclared) is NOT_APPLICABLE
    assert check("MandatoryTags", untaggable) is NOT_APPLICABLE


def test_every_rule_is_tested_here():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    untested = [rule_id for rule_id in RULES if f'"{rule_id}"' not in source]
    assert untested == []
