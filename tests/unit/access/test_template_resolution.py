"""The access model resolves CloudFormation's intrinsic functions as CloudFormation would."""

from __future__ import annotations

from airlock.access import arns
from airlock.access.template import Resolver, StackTemplate, Unresolved


def resolver(resources=None, **body) -> Resolver:
    template = {"Resources": resources or {}, **body}
    stack = StackTemplate("airlock-x-eu-west-1", "x.template.json", "111122223333", "eu-west-1", template)
    return Resolver(stack, attributes=arns.attributes, exports={"shared-ou": "ou-abcd-12345678"})


QUEUE = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "airlock-x-inbound"}}
FIFO = {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}}
ROLE = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "airlock-x-vendor", "Path": "/saas/"}}
KEY = {"Type": "AWS::KMS::Key", "Properties": {}}


def test_ref_and_get_att_name_resources_by_their_physical_names():
    r = resolver({"Queue": QUEUE, "Role": ROLE, "Key": KEY})
    assert r.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:eu-west-1:111122223333:airlock-x-inbound"
    assert r.resolve({"Ref": "Queue"}) == "https://sqs.eu-west-1.amazonaws.com/111122223333/airlock-x-inbound"
    assert r.resolve({"Fn::GetAtt": "Role.Arn"}) == "arn:aws:iam::111122223333:role/saas/airlock-x-vendor"
    assert r.resolve({"Ref": "Role"}) == "airlock-x-vendor"
    # A key id is assigned at deployment: a stable placeholder, unique per resource.
    assert r.resolve({"Fn::GetAtt": ["Key", "Arn"]}) == "arn:aws:kms:eu-west-1:111122223333:key/key-Key"


def test_generated_names_follow_cloudformation_and_fifo_queues_end_in_fifo():
    r = resolver({"Events": FIFO})
    assert r.resolve({"Fn::GetAtt": ["Events", "QueueName"]}) == "airlock-x-eu-west-1-Events.fifo"


def test_join_sub_select_split_and_pseudo_parameters():
    r = resolver({"Queue": QUEUE})
    assert r.resolve({"Fn::Join": ["", [{"Fn::GetAtt": ["Queue", "Arn"]}, "/x"]]}).endswith("airlock-x-inbound/x")
    assert r.resolve({"Fn::Sub": "arn:${AWS::Partition}:s3:::b-${AWS::AccountId}-${AWS::Region}"}) == (
        "arn:aws:s3:::b-111122223333-eu-west-1"
    )
    assert r.resolve({"Fn::Sub": "${Queue.Arn}"}) == "arn:aws:sqs:eu-west-1:111122223333:airlock-x-inbound"
    assert r.resolve({"Fn::Sub": ["${A}-${!Literal}", {"A": "x"}]}) == "x-${Literal}"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert r.resolve({"Fn::ImportValue": "shared-ou"}) == "ou-abcd-12345678"


def test_conditions_and_parameters_decide_fn_if():
    body = {
        "Parameters": {
            "Qualifier": {"Type": "String", "Default": "hnb659fds"},
            "Accounts": {"Type": "CommaDelimitedList", "Default": "1,2"},
        },
        "Conditions": {
            "Default": {"Fn::Equals": [{"Ref": "Qualifier"}, "hnb659fds"]},
            "Other": {"Fn::Not": [{"Condition": "Default"}]},
            "Both": {"Fn::And": [{"Condition": "Default"}, {"Fn::Contains": [{"Ref": "Accounts"}, "2"]}]},
        },
    }
    r = resolver(**body)
    assert r.resolve({"Fn::If": ["Default", "yes", "no"]}) == "yes"
    assert r.resolve({"Fn::If": ["Other", "yes", "no"]}) == "no"
    assert r.condition("Both") is True
    assert r.resolve({"Fn::Sub": "cdk-${Qualifier}-deploy"}) == "cdk-hnb659fds-deploy"
    assert r.resolve(["a", {"Fn::If": ["Other", "b", {"Ref": "AWS::NoValue"}]}]) == ["a"]


def test_what_cannot_be_known_stays_unresolved_and_says_what_it_is():
    r = resolver({"Thing": {"Type": "AWS::Custom::Unknown", "Properties": {}}})
    for value in (
        {"Fn::GetAtt": ["Thing", "Arn"]},
        {"Fn::GetAtt": ["Missing", "Arn"]},
        {"Fn::ImportValue": "nobody-exports-this"},
        {"Fn::GetAZs": ""},
        {"Fn::If": ["NoSuchCondition", "a", "b"]},
        {"Fn::Join": ["", ["a", {"Fn::GetAtt": ["Thing", "Arn"]}]]},
    ):
        resolved = r.resolve(value)
        assert isinstance(resolved, Unresolved), value
        assert str(resolved).startswith("<unresolved ")
