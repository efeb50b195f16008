"""An S3 drop zone for file integrations: private, encrypted, versioned, logged, and evented."""

from __future__ import annotations

import re
from collections.abc import Sequence

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
]

#: The statements :meth:`DropZone.allow_core_readers` added (an alias kept for existing callers).
CoreReaderStatements = CoreAccessStatements
_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
#: Filter id of the request-metrics configuration that covers the whole bucket.
REQUEST_METRICS_ID = "EntireBucket"
_ACCESS_LOG_RETENTION = cdk.Duration.days(365)
ACCESS_LOG_PREFIX = "access-logs/"


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
        if notify_queue is not None:
            self._notify(bucket, notify_queue)

    def _default_name(self) -> str:
        stack = cdk.Stack.of(self)
        suffix = f"-{stack.account}-{stack.region}"
        if cdk.Token.is_unresolved(stack.account) or cdk.Token.is_unresolved(stack.region):
            base = cdk.Names.unique_resource_name(self, max_length=63 - len("-123456789012-ap-southeast-4"))
            return cdk.Fn.join("-", [base.lower(), cdk.Aws.ACCOUNT_ID, cdk.Aws.REGION])
        base = cdk.Names.unique_resource_name(self, max_length=63 - len(suffix), separator="-")
        return base.lower() + suffix

    def _notify(self, bucket: s3.Bucket, queue: sqs.IQueue) -> None:
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
        cfn_bucket = bucket.node.default_child
        assert isinstance(cfn_bucket, s3.CfnBucket)
        cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
            queue_configurations=[
                s3.CfnBucket.QueueConfigurationProperty(
                    event="s3:ObjectCreated:*",
                    queue=queue.queue_arn,
                    filter=s3.CfnBucket.NotificationFilterProperty(
                        s3_key=s3.CfnBucket.S3KeyFilterProperty(
                            rules=[s3.CfnBucket.FilterRuleProperty(name="prefix", value=prefix)]
                        )
                    ),
                )
                for prefix in self.prefixes
            ]
        )
        # S3 sends a test event when the configuration is set: the queue policy must exist by
        # then. (The key policy is part of the key, which the queue already depends on.)
        policy = queue.node.try_find_child("Policy")
        if policy is not None:
            cfn_bucket.node.add_dependency(policy)

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
