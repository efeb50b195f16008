#!/usr/bin/env python3
"""An application team's own stack with an airlock IntegrationBuffer embedded in it.

The team owns an order-import service in a core account and wants the same buffer the
landing zone uses between a SaaS and the core: a queue with DLQ, customer-managed key,
TLS-only policy and redrive, plus an alarm when messages pile up in the DLQ.
"""

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from airlock.constructs import IntegrationBuffer


class OrderImportStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs: object) -> None:
        super().__init__(scope, id, **kwargs)  # type: ignore[arg-type]
        self.buffer = IntegrationBuffer(
            self,
            "Orders",
            queue_name="order-import",
            max_receive_count=4,
            consumer_timeout=cdk.Duration.seconds(90),
        )
        worker = iam.Role(
            self,
            "WorkerRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="Order-import worker: consumes the order buffer",
        )
        self.buffer.grant_consume_messages(worker)
        cloudwatch.Alarm(
            self,
            "DeadLetters",
            metric=self.buffer.metric_dead_letter_messages_visible(period=cdk.Duration.minutes(1)),
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            alarm_description="An order failed 4 times and waits in the dead-letter queue",
        )


app = cdk.App()
OrderImportStack(app, "order-import", env=cdk.Environment(account="444455556666", region="eu-central-1"))
app.synth()
