"""An S3 drop zone for file integrations: private, encrypted, versioned, logged, and evented."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from airlock.constructs._drop_zone_access import CoreAccess, CoreAccessStatements, DropZoneAccess
from airlock.constructs._keys import customer_managed_key
from airlock.constructs._stack import partition_of

__all__ = [
    "ACCESS_LOG_PREFIX",
    "REQUEST_METRICS_ID",
    "CoreAccess",
    "CoreAccessStatements",
    "CoreReaderStatements",
    "DropZone",
    "VendorNotificationTarget",
]

#: The statements :meth:`DropZone.allow_core_readers` added (an alias kept for existing callers).
CoreReaderStatements = CoreAccessStatements
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
#: Filter id of the request-metrics configuration that covers the whole bucket.
REQUEST_METRICS_ID = "EntireBucket"
_ACCESS_LOG_RETENTION = cdk.Duration.days(365)
ACCESS_LOG_PREFIX = "access-logs/"
_EVENT = "s3:ObjectCreated:*"
_DESTINATION_ARN = re.compile(r"^arn:aws[a-z-]*:(sqs|sns):([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]{1,256})$")


@dataclass(frozen=True)
class VendorNotificationTarget:
    """A queue or topic in the vendor's own account that hears of each new object under ``prefixes``.

    :param arn: ARN of a standard SQS queue or SNS topic in the bucket's region (S3 notifies
        neither FIFO queues nor FIFO topics, nor destinations in another region).
    :param prefixes: prefixes of the drop zone (or under them) whose new objects are announced.
    """

    arn: str
    prefixes: tuple[str, ...]

    @property
    def service(self) -> str:
        return self.arn.split(":")[2]


class DropZone(DropZoneAccess):
    """An S3 bucket that writers drop files into, each under its own prefix.

    Secure without being asked: object ownership enforced (no ACLs), all public access
    blocked, versioning, SSE-KMS with a customer-managed key and S3 Bucket Keys, a bucket
    policy that denies requests without TLS and writes outside the declared prefixes,
    lifecycle expiry, abort of incomplete multipart uploads after a day, and server access
    logs into a dedicated log bucket (itself private, encrypted, versioned and TLS-only).

    With ``notify_queue`` each new object under a prefix sends an ``s3:ObjectCreated:*`` event
    to the queue through the bucket's own ``NotificationConfiguration`` (no Lambda-backed
    custom resource). The queue policy and the queue's key policy admit S3 only for this
    bucket (``aws:SourceArn``) and account (``aws:SourceAccount``), and the bucket is created
    after them, because S3 tests delivery when the configuration is set.

    :param prefixes: key prefixes writers may use, each ending in ``/`` (e.g.
        ``drop/vendor/``), none inside another.
    :param bucket_name: physical bucket name, known before deployment so the queue policy can
        name the bucket without a reference cycle. Default: ``<unique path name>-<account>-<region>``.
    :param notify_queue: queue that receives an event for each new object. Default: no events.
    :param notify_prefixes: the prefixes whose new objects ``notify_queue`` hears of. Default:
        every prefix.
    :param vendor_notifications: queues or topics in the vendor's own account that hear of the
        new objects under their prefixes (a vendor that watches the files, such as Snowflake's
        Snowpipe auto-ingest). The destination's policy is the vendor's: it must admit
        ``s3.amazonaws.com`` for this bucket before deployment, because S3 tests each destination
        when the configuration is set. Default: none.
    :param key: KMS key of the bucket and its access logs. Default: a new customer-managed key
        with rotation.
    :param expire_after: objects (current versions) expire after this. Default: 30 days.
    :param noncurrent_expire_after: overwritten or deleted versions expire after this. Default: 7 days.
    :param request_metrics: publish S3 request metrics (PutRequests, BytesUploaded) for the
        dashboard; CloudWatch bills them as custom metrics. Default: on.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        prefixes: Sequence[str],
        bucket_name: str | None = None,
        notify_queue: sqs.IQueue | None = None,
        notify_prefixes: Sequence[str] | None = None,
        vendor_notifications: Sequence[VendorNotificationTarget] = (),
        key: kms.IKey | None = None,
        expire_after: cdk.Duration | None = None,
        noncurrent_expire_after: cdk.Duration | None = None,
        request_metrics: bool = True,
    ) -> None:
        super().__init__(scope, id)
        _check_prefixes(prefixes)
        literal_name = bucket_name is not None and not cdk.Token.is_unresolved(bucket_name)
        if literal_name and (not _BUCKET_NAME.match(bucket_name or "") or "--" in (bucket_name or "")):
            raise ValueError(
                f"bucket_name '{bucket_name}' is not a valid S3 bucket name; use 3-63 characters of lowercase "
                "letters, digits and single '-', starting and ending with a letter or digit"
            )
        expire_after = expire_after or cdk.Duration.days(30)
        noncurrent_expire_after = noncurrent_expire_after or cdk.Duration.days(7)
        stack = cdk.Stack.of(self)
        self.prefixes = tuple(prefixes)
        #: How many core-access statements of each kind the policies hold (their Sids are numbered).
        self.core_sids: dict[str, int] = {}
        self.bucket_name = bucket_name or self._default_name()
        self.key: kms.IKey = key or customer_managed_key(self, "Key", description=f"Drop zone {self.node.path}")

        self.log_bucket = s3.Bucket(
            self,
            "AccessLogs",
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=_ACCESS_LOG_RETENTION,
                    noncurrent_version_expiration=cdk.Duration.days(30),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        metrics = [s3.BucketMetrics(id=REQUEST_METRICS_ID)] if request_metrics else None
        bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=self.bucket_name,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-dropped-files",
                    expiration=expire_after,
                    noncurrent_version_expiration=noncurrent_expire_after,
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                )
            ],
            metrics=metrics,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        #: The ``s3.Bucket`` itself.
        self.resource = bucket
        #: The bucket's ARN, literal when name and region are: policies name it without a reference.
        self.bucket_arn = f"arn:{partition_of(stack)}:s3:::{self.bucket_name}"
        #: The drop-zone bucket as an ``s3.IBucket`` named by its literal name and ARN. Grants and
        #: policies made through it (a vendor role's put rights, say) do not reference the bucket
        #: resource, so they cannot close a dependency cycle with the queue policy that the bucket
        #: waits for; statements added to its resource policy land in the bucket's policy.
        self.bucket: s3.IBucket = s3.Bucket.from_bucket_attributes(
            self,
            "Reference",
            bucket_name=self.bucket_name,
            bucket_arn=self.bucket_arn,
            encryption_key=self.key,
            account=stack.account,
            region=stack.region,
        )
        self.bucket.policy = bucket.policy
        # Server access logs, set on the L1 so the log bucket keeps ACLs disabled and admits the
        # logging service by bucket policy, for this bucket and account only.
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.logging_configuration = s3.CfnBucket.LoggingConfigurationProperty(
            destination_bucket_name=self.log_bucket.bucket_name, log_file_prefix=ACCESS_LOG_PREFIX
        )
        self.log_bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowAccessLogDelivery",
                principals=[iam.ServicePrincipal("logging.s3.amazonaws.com")],
                actions=["s3:PutObject"],
                resources=[self.log_bucket.arn_for_objects(f"{ACCESS_LOG_PREFIX}*")],
                conditions={
                    "ArnLike": {"aws:SourceArn": self.bucket_arn},
                    "StringEquals": {"aws:SourceAccount": stack.account},
                },
            )
        )
        if self.log_bucket.policy is not None:
            cfn_bucket.node.add_dependency(self.log_bucket.policy)
        bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="DenyWritesOutsideThePrefixes",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["s3:PutObject"],
                not_resources=[f"{bucket.bucket_arn}/{prefix}*" for prefix in self.prefixes],
            )
        )

        self.notify_queue = notify_queue
        #: The prefixes whose new objects notify ``notify_queue``.
        self.notify_prefixes: tuple[str, ...] = ()
        if notify_queue is not None:
            self.notify_prefixes = tuple(notify_prefixes if notify_prefixes is not None else self.prefixes)
        elif notify_prefixes is not None:
            raise ValueError("notify_prefixes is given without a notify_queue; give the queue or leave them out")
        self.vendor_notifications = tuple(vendor_notifications)
        _check_notifications(self.prefixes, self.notify_prefixes, self.vendor_notifications, stack.region)
        queue_configurations: list[s3.CfnBucket.QueueConfigurationProperty] = []
        if notify_queue is not None:
            self._admit_s3(notify_queue)
            queue_configurations += _queue_configurations(notify_queue.queue_arn, self.notify_prefixes)
        topic_configurations: list[s3.CfnBucket.TopicConfigurationProperty] = []
        for target in self.vendor_notifications:
            if target.service == "sqs":
                queue_configurations += _queue_configurations(target.arn, target.prefixes)
            else:
                topic_configurations += [
                    s3.CfnBucket.TopicConfigurationProperty(event=_EVENT, topic=target.arn, filter=_prefix_filter(p))
                    for p in target.prefixes
                ]
        if queue_configurations or topic_configurations:
            cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                queue_configurations=queue_configurations or None,
                topic_configurations=topic_configurations or None,
            )
        if notify_queue is not None:
            # S3 sends a test event when the configuration is set: the queue policy must exist by
            # then. (The key policy is part of the key, which the queue already depends on.)
            policy = notify_queue.node.try_find_child("Policy")
            if policy is not None:
                cfn_bucket.node.add_dependency(policy)

    def _default_name(self) -> str:
        stack = cdk.Stack.of(self)
        suffix = f"-{stack.account}-{stack.region}"
        if cdk.Token.is_unresolved(stack.account) or cdk.Token.is_unresolved(stack.region):
            base = cdk.Names.unique_resource_name(self, max_length=63 - len("-123456789012-ap-southeast-4"))
            return cdk.Fn.join("-", [base.lower(), cdk.Aws.ACCOUNT_ID, cdk.Aws.REGION])
        base = cdk.Names.unique_resource_name(self, max_length=63 - len(suffix), separator="-")
        return base.lower() + suffix

    def _admit_s3(self, queue: sqs.IQueue) -> None:
        """The notify queue's policy and key policy admit S3 for this bucket and account only."""
        stack = cdk.Stack.of(self)
        conditions = {
            "ArnEquals": {"aws:SourceArn": self.bucket_arn},
            "StringEquals": {"aws:SourceAccount": stack.account},
        }
        queue_policy = queue.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowDropZoneEvents",
                principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                actions=["sqs:SendMessage"],
                resources=[queue.queue_arn],
                conditions=conditions,
            )
        )
        if not queue_policy.statement_added:
            cdk.Annotations.of(self).add_warning_v2(
                "airlock:DropZoneQueuePolicy",
                "the notify_queue is imported, so its queue policy cannot be changed here; allow s3.amazonaws.com "
                "sqs:SendMessage from this bucket on it, or S3 cannot deliver events",
            )
        queue_key = queue.encryption_master_key
        if queue_key is not None:
            added = queue_key.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="AllowDropZoneEventsToEncryptedQueue",
                    principals=[iam.ServicePrincipal("s3.amazonaws.com")],
                    actions=["kms:GenerateDataKey", "kms:Decrypt"],
                    resources=["*"],
                    conditions=conditions,
                )
            )
            if not added.statement_added:
                cdk.Annotations.of(self).add_warning_v2(
                    "airlock:DropZoneQueueKey",
                    "the notify_queue's key is imported, so its key policy cannot be changed here; allow "
                    "s3.amazonaws.com kms:GenerateDataKey and kms:Decrypt on it, or S3 cannot deliver events",
                )

    def metric_put_requests(self, **props: object) -> cloudwatch.Metric:
        """Objects written (PutRequests, request metrics). Default: sum over 5 minutes."""
        return self._request_metric("PutRequests", **props)

    def metric_bytes_uploaded(self, **props: object) -> cloudwatch.Metric:
        """Bytes written (BytesUploaded, request metrics). Default: sum over 5 minutes."""
        return self._request_metric("BytesUploaded", **props)

    def metric_number_of_objects(self, **props: object) -> cloudwatch.Metric:
        """Objects stored (a daily storage metric, every version counted). Default: average over one day."""
        defaults: dict[str, object] = {"statistic": "Average", "period": cdk.Duration.days(1)}
        return cloudwatch.Metric(
            namespace="AWS/S3",
            metric_name="NumberOfObjects",
            dimensions_map={"BucketName": self.bucket_name, "StorageType": "AllStorageTypes"},
            **{**defaults, **props},  # type: ignore[arg-type]
        )

    def _request_metric(self, name: str, **props: object) -> cloudwatch.Metric:
        defaults: dict[str, object] = {"statistic": "Sum", "period": cdk.Duration.minutes(5)}
        return cloudwatch.Metric(
            namespace="AWS/S3",
            metric_name=name,
            dimensions_map={"BucketName": self.bucket_name, "FilterId": REQUEST_METRICS_ID},
            **{**defaults, **props},  # type: ignore[arg-type]
        )


def _check_prefixes(prefixes: Sequence[str]) -> None:
    if not prefixes:
        raise ValueError("prefixes is empty; give each writer a key prefix such as 'drop/vendor/'")
    for position, prefix in enumerate(prefixes):
        if not prefix.endswith("/") or prefix.startswith("/") or "*" in prefix:
            raise ValueError(
                f"prefixes[{position}] '{prefix}' is not a key prefix; write it without wildcards or a leading '/', "
                "ending in '/', e.g. 'drop/vendor/'"
            )
        for other in prefixes[:position]:
            if prefix.startswith(other) or other.startswith(prefix):
                raise ValueError(
                    f"prefixes[{position}] '{prefix}' overlaps '{other}'; S3 refuses overlapping notification "
                    "prefixes, so give each writer a prefix that is not inside another"
                )


def _prefix_filter(prefix: str) -> s3.CfnBucket.NotificationFilterProperty:
    return s3.CfnBucket.NotificationFilterProperty(
        s3_key=s3.CfnBucket.S3KeyFilterProperty(rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=prefix)])
    )


def _queue_configurations(arn: str, prefixes: Sequence[str]) -> list[s3.CfnBucket.QueueConfigurationProperty]:
    return [
        s3.CfnBucket.QueueConfigurationProperty(event=_EVENT, queue=arn, filter=_prefix_filter(p)) for p in prefixes
    ]


def _check_notifications(
    prefixes: Sequence[str],
    notify_prefixes: Sequence[str],
    vendor: Sequence[VendorNotificationTarget],
    region: str,
) -> None:
    """Destinations S3 accepts: standard queues and topics of the bucket's region, for prefixes of the
    zone, none overlapping another destination's ("configurations on the same bucket cannot share a
    common event type" for overlapping prefixes,
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-filtering.html)."""
    claimed: list[tuple[str, str]] = [("notify_queue", p) for p in notify_prefixes]
    for position, target in enumerate(vendor):
        found = _DESTINATION_ARN.match(target.arn)
        name = f"vendor_notifications[{position}]"
        if found is None:
            raise ValueError(f"{name}.arn '{target.arn}' is not an SQS queue or SNS topic ARN")
        if found.group(4).endswith(".fifo"):
            raise ValueError(
                f"{name}.arn '{target.arn}' is a FIFO destination; S3 event notifications cannot target FIFO "
                "queues or topics, so use a standard one"
            )
        if not cdk.Token.is_unresolved(region) and found.group(2) != region:
            raise ValueError(
                f"{name}.arn '{target.arn}' is in {found.group(2)}; S3 notifies only destinations in the bucket's "
                f"region ({region})"
            )
        if not target.prefixes:
            raise ValueError(f"{name}.prefixes is empty; give the prefixes whose new objects the vendor hears of")
        claimed += [(name, p) for p in target.prefixes]
    for number, (who, prefix) in enumerate(claimed):
        if not any(prefix.startswith(p) for p in prefixes):
            raise ValueError(f"{who} prefix '{prefix}' is not inside the drop zone's prefixes {list(prefixes)}")
        for other_who, other in claimed[:number]:
            if prefix.startswith(other) or other.startswith(prefix):
                raise ValueError(
                    f"{who} prefix '{prefix}' overlaps {other_who} prefix '{other}'; S3 refuses overlapping "
                    "notification prefixes, so notify each prefix to one destination"
                )
