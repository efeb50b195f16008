"""Core consumers: BufferConsumer in a bare core-account stack, and the intermediate side's statements."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from airlock.constructs import BufferConsumer, IntegrationBuffer, allow_core_consumers
from airlock.constructs.consumers import CORE_CONSUME_ACTIONS, CORE_KEY_ACTIONS
from tests.iam_catalogue import unknown_actions

QUEUE_ARN = "arn:aws:sqs:eu-central-1:220000000002:airlock-payroll-payroll-files"
KEY_ARN = "arn:aws:kms:eu-central-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CORE_ROLE = "arn:aws:iam::300000000001:role/hr-payroll-processor"


def core_stack():
    app = cdk.App(analytics_reporting=False)
    return cdk.Stack(app, "Core", env=cdk.Environment(account="300000000001", region="eu-central-1"))


def statements(template):
    (policy,) = template.find_resources("AWS::IAM::Policy").values()
    return policy["Properties"]["PolicyDocument"]["Statement"]


def test_a_function_consumes_an_intermediate_queue_by_arn():
    stack = core_stack()
    function = lambda_.Function(
        stack,
        "Processor",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context):\n    return None\n"),
    )
    consumer = BufferConsumer(stack, "PayrollFiles", queue_arn=QUEUE_ARN, key_arn=KEY_ARN, consumer=function)
    assert consumer.queue.queue_arn == QUEUE_ARN
    assert consumer.key is not None and consumer.key.key_arn == KEY_ARN
    found = {}
    for statement in statements(Template.from_stack(stack)):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            found[action] = statement["Resource"]
    assert {a: found[a] for a in CORE_CONSUME_ACTIONS} == dict.fromkeys(CORE_CONSUME_ACTIONS, QUEUE_ARN)
    assert found["kms:Decrypt"] == KEY_ARN


def test_a_role_consumes_a_fifo_queue():
    stack = core_stack()
    role = iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    consumer = BufferConsumer(stack, "Tracking", queue_arn=QUEUE_ARN + ".fifo", key_arn=KEY_ARN, consumer=role)
    assert consumer.queue.fifo is True
    assert any("sqs:ReceiveMessage" in s["Action"] for s in statements(Template.from_stack(stack)))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"queue_arn": "airlock-payroll-files"}, "is not a literal SQS queue ARN"),
        ({"key_arn": "alias/payroll"}, "is not a literal KMS key ARN"),
        (
            {"key_arn": "arn:aws:kms:eu-west-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
            "not in the queue's account and region",
        ),
    ],
)
def test_bad_props_raise_early(props, message):
    stack = core_stack()
    role = iam.Role(stack, "Consumer", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    with pytest.raises(ValueError, match=message):
        BufferConsumer(stack, "C", **{"queue_arn": QUEUE_ARN, "key_arn": KEY_ARN, "consumer": role, **props})


@pytest.fixture(scope="module")
def intermediate():
    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Intermediate", env=cdk.Environment(account="220000000002", region="eu-central-1"))
    buffer = IntegrationBuffer(stack, "Buffer", queue_name="payroll-files")
    allow_core_consumers(
        buffer.queue,
        buffer.key,
        role_arns=[CORE_ROLE, "arn:aws:iam::300000000002:role/audit-reader"],
        organization_id="o-abcdefghij",
    )
    return Template.from_stack(stack).to_json()


def _core_statement(template, type_, key):
    found = [
        s
        for r in template["Resources"].values()
        if r["Type"] == type_
        for s in r["Properties"][key]["Statement"]
        if s.get("Sid") == "CoreConsumers"
    ]
    (statement,) = found
    return statement


def test_queue_policy_admits_exactly_the_named_roles_of_the_organisation(intermediate):
    statement = _core_statement(intermediate, "AWS::SQS::QueuePolicy", "PolicyDocument")
    assert statement["Principal"] == {"AWS": ["arn:aws:iam::300000000001:root", "arn:aws:iam::300000000002:root"]}
    assert statement["Action"] == list(CORE_CONSUME_ACTIONS)
    assert statement["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": [CORE_ROLE, "arn:aws:iam::300000000002:role/audit-reader"]},
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
    }


def test_key_policy_lets_them_decrypt_only_through_sqs(intermediate):
    statement = _core_statement(intermediate, "AWS::KMS::Key", "KeyPolicy")
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"]["StringEquals"] == {
        "aws:PrincipalOrgID": "o-abcdefghij",
        "kms:ViaService": "sqs.eu-central-1.amazonaws.com",
    }
    assert CORE_ROLE in statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"organization_id": "org-1"}, "is not an organization id"),
        ({"role_arns": []}, "role_arns is empty"),
        ({"role_arns": ["*"]}, "is not a literal role ARN"),
    ],
)
def test_core_consumer_statements_refuse_bad_input(props, message):
    stack = core_stack()
    buffer = IntegrationBuffer(stack, "Buffer", queue_name="q")
    with pytest.raises(ValueError, match=message):
        allow_core_consumers(
            buffer.queue, buffer.key, **{"role_arns": [CORE_ROLE], "organization_id": "o-abcdefghij", **props}
        )


def test_core_consumer_actions_exist():
    assert unknown_actions(CORE_CONSUME_ACTIONS + CORE_KEY_ACTIONS) == []


BUCKET_ARN = "arn:aws:s3:::airlock-payroll-220000000002-eu-central-1"
DROP_KEY = "arn:aws:kms:eu-central-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_a_reader_in_a_core_account_reads_its_prefixes_and_decrypts_through_s3_only(bare_stack):
    from airlock.constructs import DropZoneReader

    stack = bare_stack(account="300000000001")
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    DropZoneReader(stack, "Files", bucket_arn=BUCKET_ARN, key_arn=DROP_KEY, prefixes=["drop/a/"], consumer=role)
    (policy,) = Template.from_stack(stack).find_resources("AWS::IAM::Policy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statements == [
        {"Action": ["s3:GetObject", "s3:GetObjectVersion"], "Effect": "Allow", "Resource": f"{BUCKET_ARN}/drop/a/*"},
        # Listing only the keys under the prefix, as the intermediate account's bucket policy admits it.
        {
            "Action": "s3:ListBucket",
            "Condition": {"StringLike": {"s3:prefix": ["drop/a/*"]}},
            "Effect": "Allow",
            "Resource": BUCKET_ARN,
        },
        {"Action": "s3:GetBucketLocation", "Effect": "Allow", "Resource": BUCKET_ARN},
        {
            "Action": "kms:Decrypt",
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}},
            "Effect": "Allow",
            "Resource": DROP_KEY,
        },
    ]


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"bucket_arn": "arn:aws:s3:::bucket/prefix"}, "not a literal bucket ARN"),
        ({"key_arn": "alias/x"}, "not a literal KMS key ARN"),
        ({"prefixes": []}, "prefixes is empty"),
        ({"prefixes": ["drop/*"]}, "ending in '/'"),
    ],
)
def test_a_reader_refuses_what_it_cannot_grant_literally(bare_stack, props, message):
    from airlock.constructs import DropZoneReader

    stack = bare_stack(account="300000000001")
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    arguments = {"bucket_arn": BUCKET_ARN, "key_arn": DROP_KEY, "prefixes": ["drop/a/"], "consumer": role, **props}
    with pytest.raises(ValueError, match=message):
        DropZoneReader(stack, "Files", **arguments)
