"""An SQS buffer between a SaaS and its core consumers, secure and resilient by default."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from airlock.constructs._keys import customer_managed_key

MAX_QUEUE_NAME = 80
_DLQ_SUFFIX = "-dlq"
_FIFO_SUFFIX = ".fifo"
_MAX_VISIBILITY = 12 * 3600


class IntegrationBuffer(Construct):
    """A source queue with its dead-letter queue, both encrypted with a customer-managed key.

    Secure and resilient without being asked: a dead-letter queue of the same kind
    (standard or FIFO) with a redrive policy, a ``RedriveAllowPolicy`` that admits only
    this source queue, a customer-managed KMS key with rotation, a queue policy that denies
    any request not made over TLS, long polling, and a visibility timeout of six times the
    consumer's timeout (so a slow consumer does not see its message twice).

    :param queue_name: physical name of the source queue (the DLQ gets ``-dlq``); a FIFO
        buffer's name ends in ``.fifo``. Default: a unique name derived from the construct
        path.
    :param fifo: FIFO queues instead of standard ones. Default: standard.
    :param max_receive_count: receives before a message moves to the DLQ (1-1000). Default: 5.
    :param consumer_timeout: the longest a consumer takes per message; the visibility
        timeout is six times this, at most 12 hours. Default: 30 seconds.
    :param visibility_timeout: visibility timeout of the source queue, at least six times
        ``consumer_timeout`` and at most 12 hours. Default: exactly six times ``consumer_timeout``.
    :param retention_period: retention of the source queue. Default: 4 days.
    :param dead_letter_retention_period: retention of the DLQ, longer than the source's.
        Default: 14 days (the SQS maximum).
    :param key: KMS key for both queues. Default: a new customer-managed key with rotation.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        queue_name: str | None = None,
        fifo: bool = False,
        max_receive_count: int = 5,
        consumer_timeout: cdk.Duration | None = None,
        visibility_timeout: cdk.Duration | None = None,
        retention_period: cdk.Duration | None = None,
        dead_letter_retention_period: cdk.Duration | None = None,
        key: kms.IKey | None = None,
    ) -> None:
        super().__init__(scope, id)
        consumer_timeout = consumer_timeout or cdk.Duration.seconds(30)
        retention_period = retention_period or cdk.Duration.days(4)
        dead_letter_retention_period = dead_letter_retention_period or cdk.Duration.days(14)
        if not 1 <= max_receive_count <= 1000:
            raise ValueError(f"max_receive_count {max_receive_count} is outside 1-1000; use e.g. 5")
        minimum_visibility = consumer_timeout.to_seconds() * 6
        if minimum_visibility > _MAX_VISIBILITY:
            raise ValueError(
                f"consumer_timeout {consumer_timeout.to_seconds()} s needs a visibility timeout of "
                f"{minimum_visibility} s (6x), above the SQS maximum of 43200 s; "
                "use a consumer timeout of at most 7200 s"
            )
        visibility = minimum_visibility if visibility_timeout is None else visibility_timeout.to_seconds()
        if visibility < minimum_visibility:
            raise ValueError(
                f"visibility_timeout {visibility} s is below 6x consumer_timeout ({minimum_visibility} s); a slow "
                f"consumer would see its message twice, so use at least {minimum_visibility} s or leave it out"
            )
        if visibility > _MAX_VISIBILITY:
            raise ValueError(
                f"visibility_timeout {visibility} s is above the SQS maximum of 43200 s (12 hours); use at most 43200 s"
            )
        if dead_letter_retention_period.to_seconds() <= retention_period.to_seconds():
            raise ValueError(
                f"dead_letter_retention_period {dead_letter_retention_period.to_seconds()} s is not longer than "
                f"retention_period {retention_period.to_seconds()} s; make the DLQ keep messages longer"
            )
        base = self._base_name(queue_name, fifo)
        suffix = _FIFO_SUFFIX if fifo else ""
        self.queue_name = base + suffix
        self.dead_letter_queue_name = base + _DLQ_SUFFIX + suffix
        self.fifo = fifo
        self.max_receive_count = max_receive_count

        self.key: kms.IKey = key or customer_managed_key(self, "Key", description=f"Buffer {self.node.path}")
        stack = cdk.Stack.of(self)
        # The DLQ and its source name each other; literal ARNs avoid a reference cycle.
        source_arn = stack.format_arn(service="sqs", resource=self.queue_name)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            queue_name=self.dead_letter_queue_name,
            fifo=fifo or None,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=dead_letter_retention_period,
            redrive_allow_policy=sqs.RedriveAllowPolicy(
                redrive_permission=sqs.RedrivePermission.BY_QUEUE,
                source_queues=[sqs.Queue.from_queue_arn(self, "SourceRef", source_arn)],
            ),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=self.queue_name,
            fifo=fifo or None,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            enforce_ssl=True,
            retention_period=retention_period,
            visibility_timeout=cdk.Duration.seconds(visibility),
            receive_message_wait_time=cdk.Duration.seconds(20),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dead_letter_queue, max_receive_count=max_receive_count),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _base_name(self, queue_name: str | None, fifo: bool) -> str:
        longest = MAX_QUEUE_NAME - len(_DLQ_SUFFIX) - (len(_FIFO_SUFFIX) if fifo else 0)
        if queue_name is None:
            return cdk.Names.unique_resource_name(self, max_length=longest, separator="-")
        if fifo and not queue_name.endswith(_FIFO_SUFFIX):
            raise ValueError(f"queue_name '{queue_name}' of a fifo buffer must end in '.fifo'; use '{queue_name}.fifo'")
        if not fifo and queue_name.endswith(_FIFO_SUFFIX):
            raise ValueError(f"queue_name '{queue_name}' ends in '.fifo' but fifo is false; set fifo=True or rename it")
        base = queue_name.removesuffix(_FIFO_SUFFIX)
        if len(base) > longest or not base.replace("-", "").replace("_", "").isalnum():
            raise ValueError(
                f"queue_name '{queue_name}' does not fit; use at most {longest} characters of letters, digits, "
                "'-' and '_' (the DLQ adds '-dlq')"
            )
        return base

    def grant_send_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send to the source queue (and use the key to encrypt)."""
        return self.queue.grant_send_messages(grantee)

    def grant_consume_messages(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` receive and delete from the source queue (and decrypt)."""
        return self.queue.grant_consume_messages(grantee)

    def metric_number_of_messages_sent(self, **props: object) -> cloudwatch.Metric:
        """Messages sent to the source queue (the SaaS side's volume). Default: sum over 5 minutes."""
        return self.queue.metric_number_of_messages_sent(**props)  # type: ignore[arg-type]

    def metric_number_of_messages_received(self, **props: object) -> cloudwatch.Metric:
        """Messages received from the source queue, retries included. Default: sum over 5 minutes."""
        return self.queue.metric_number_of_messages_received(**props)  # type: ignore[arg-type]

    def metric_number_of_messages_deleted(self, **props: object) -> cloudwatch.Metric:
        """Messages consumers processed and deleted. Default: sum over 5 minutes."""
        return self.queue.metric_number_of_messages_deleted(**props)  # type: ignore[arg-type]

    def metric_sent_message_size(self, **props: object) -> cloudwatch.Metric:
        """Bytes sent to the source queue. Default: sum over 5 minutes (the volume, not the average size)."""
        props = {"statistic": "Sum", **props}
        return self.queue.metric_sent_message_size(**props)  # type: ignore[arg-type]

    def metric_approximate_age_of_oldest_message(self, **props: object) -> cloudwatch.Metric:
        """Age of the oldest message in the source queue: how far consumers lag."""
        return self.queue.metric_approximate_age_of_oldest_message(**props)  # type: ignore[arg-type]

    def metric_approximate_number_of_messages_visible(self, **props: object) -> cloudwatch.Metric:
        """Messages waiting in the source queue."""
        return self.queue.metric_approximate_number_of_messages_visible(**props)  # type: ignore[arg-type]

    def metric_dead_letter_messages_visible(self, **props: object) -> cloudwatch.Metric:
        """Messages in the DLQ: each is a message that failed ``max_receive_count`` times."""
        return self.dead_letter_queue.metric_approximate_number_of_messages_visible(**props)  # type: ignore[arg-type]

    def metric_dead_letter_age_of_oldest_message(self, **props: object) -> cloudwatch.Metric:
        """Age of the oldest message in the DLQ: how long a failure has waited for a redrive."""
        return self.dead_letter_queue.metric_approximate_age_of_oldest_message(**props)  # type: ignore[arg-type]
