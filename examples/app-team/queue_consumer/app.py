#!/usr/bin/env python3
"""An application team's Lambda function in a core account that consumes an airlock buffer.

The platform team runs the landing zone: the payroll integration's intermediate account
holds the buffer queue and its KMS key, and admits this account's consumer role in the
queue and key policies (the spec's ``core_consumers``). It hands over two literal ARNs; this
app imports them with ``BufferConsumer``, which grants the function's role consume on the
queue and ``kms:Decrypt`` on the key, and an SQS event source feeds the function.
"""

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from constructs import Construct

from airlock.compliance import attach_packs
from airlock.constructs import BufferConsumer

#: Handed over by the platform team (``airlock summary`` lists them per integration).
QUEUE_ARN = "arn:aws:sqs:eu-central-1:220000000002:airlock-payroll-payroll-files"
KEY_ARN = "arn:aws:kms:eu-central-1:220000000002:key/1234abcd-12ab-34cd-56ef-1234567890ab"

HANDLER = """
import json


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            json.loads(record["body"])
        except ValueError:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


class PayrollImportStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        log_key = kms.Key(self, "LogKey", enable_key_rotation=True, description="Payroll importer logs")
        log_key.grant_encrypt_decrypt(iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com"))
        log_group = logs.LogGroup(
            self,
            "ImporterLogs",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=log_key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        # A role of its own, so the function gets no managed policy: only its log group and the buffer.
        role = iam.Role(
            self,
            "ImporterRole",
            role_name="hr-payroll-processor",  # as listed in the integration's core_consumers
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Payroll importer: consumes the payroll buffer of the intermediate account",
        )
        self.function = lambda_.Function(
            self,
            "Importer",
            runtime=lambda_.Runtime.PYTHON_3_14,  # the latest: AwsSolutions-L1 asks for it
            handler="index.handler",
            code=lambda_.Code.from_inline(HANDLER),
            role=role,
            log_group=log_group,
            timeout=cdk.Duration.seconds(30),
            memory_size=256,
        )
        log_group.grant_write(role)
        self.buffer = BufferConsumer(self, "PayrollFiles", queue_arn=QUEUE_ARN, key_arn=KEY_ARN, consumer=role)
        self.function.add_event_source(
            sources.SqsEventSource(self.buffer.queue, batch_size=10, report_batch_item_failures=True)
        )


app = cdk.App()
attach_packs(app, ())  # AwsSolutions and the project's Airlock checks: a finding fails synthesis
PayrollImportStack(app, "payroll-import", env=cdk.Environment(account="300000000001", region="eu-central-1"))
app.synth()
