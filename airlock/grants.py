"""What each grant of the spec means in IAM actions: one table for every layer.

The constructs grant exactly these actions, the access proof expects exactly these as a
principal's effective access, and the register shows them. Plain data, no imports from the
rest of the package, so every layer may read it.

Each :class:`GrantActions` lists the actions on the resource itself (a queue, or the objects
under a prefix), the actions on the bucket that holds the objects, and, where the resource is
encrypted with a customer-managed key, the key actions the service performs on the caller's
behalf (``kms:ViaService`` is the service named by ``via``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The canned ACL a writer may be required to send: with S3 Object Ownership "bucket owner
#: enforced" it is the only ACL S3 accepts, and it changes nothing (the bucket owner owns
#: every object).
BUCKET_OWNER_FULL_CONTROL = "bucket-owner-full-control"


@dataclass(frozen=True)
class GrantActions:
    """The actions of one kind of grant.

    :param resource: actions on the resource itself: the queue, or the objects under the prefix.
    :param key: actions on the resource's KMS key, which the service ``via`` calls for the caller.
    :param via: the service that calls the key (``kms:ViaService``).
    :param listing: actions on the bucket, allowed only for keys under the prefix (``s3:prefix``).
    :param bucket: actions on the bucket itself, without a condition.
    :param required: condition keys and values every ``resource`` action requires (``StringEquals``),
        which the caller must send, e.g. ``s3:x-amz-acl``.
    """

    resource: tuple[str, ...]
    key: tuple[str, ...] = ()
    via: str | None = None
    listing: tuple[str, ...] = ()
    bucket: tuple[str, ...] = ()
    required: tuple[tuple[str, str], ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.resource, *self.listing, *self.bucket, *self.key)

    @property
    def conditions(self) -> dict[str, dict[str, str]] | None:
        """The ``Condition`` element of the ``resource`` actions' statements."""
        return {"StringEquals": dict(self.required)} if self.required else None


#: The vendor sends to a buffer: SQS encrypts with a data key made under the buffer's key.
SEND = GrantActions(("sqs:SendMessage",), ("kms:GenerateDataKey", "kms:Decrypt"), "sqs")
#: The vendor receives, deletes and extends the visibility of a buffer's messages.
CONSUME = GrantActions(
    ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"),
    ("kms:Decrypt",),
    "sqs",
)
#: A core consumer: what ``Queue.grant_consume_messages`` asks for, which includes GetQueueUrl.
CORE_CONSUME = GrantActions((*CONSUME.resource, "sqs:GetQueueUrl"), ("kms:Decrypt",), "sqs")
#: A core producer sends to a buffer: what ``Queue.grant_send_messages`` asks for on the queue.
CORE_SEND = GrantActions(("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"), SEND.key, "sqs")
#: Put objects under a prefix: a multipart upload under SSE-KMS needs Decrypt as well.
PUT_OBJECTS = GrantActions(("s3:PutObject",), ("kms:GenerateDataKey", "kms:Decrypt"), "s3")
#: Put objects under a prefix for a writer that sends ``x-amz-acl: bucket-owner-full-control``:
#: an upload with an ACL header needs ``s3:PutObjectAcl`` too, and both require that one ACL.
PUT_OBJECTS_OWNER_FULL_CONTROL = GrantActions(
    ("s3:PutObject", "s3:PutObjectAcl"),
    PUT_OBJECTS.key,
    "s3",
    required=(("s3:x-amz-acl", BUCKET_OWNER_FULL_CONTROL),),
)
#: Read the objects under a prefix, list the keys under it, and find the bucket's region.
READ_OBJECTS = GrantActions(
    ("s3:GetObject", "s3:GetObjectVersion"),
    ("kms:Decrypt",),
    "s3",
    listing=("s3:ListBucket",),
    bucket=("s3:GetBucketLocation",),
)
#: Delete the objects under a prefix (and their versions); S3 needs no key to delete.
DELETE_OBJECTS = GrantActions(("s3:DeleteObject", "s3:DeleteObjectVersion"))
#: Call one method of an API Gateway REST API stage.
INVOKE_API = GrantActions(("execute-api:Invoke",))
#: A role assumes itself (a vendor validating the credential it was given).
ASSUME_SELF = GrantActions(("sts:AssumeRole",))


@dataclass(frozen=True)
class MonitoringActions:
    """Read-only monitoring of the account the role lives in.

    :param unscoped: calls without resource-level permissions (IAM needs ``Resource: "*"``);
        they answer about the caller's own account, the intermediate account.
    :param scoped: calls on resources, each with the ARN pattern of the intermediate account's
        resources it may name (``{partition}``, ``{region}``, ``{account}`` filled in).
    """

    unscoped: tuple[str, ...]
    scoped: tuple[tuple[str, str], ...]

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.unscoped, *(action for action, _ in self.scoped))

    def resources(self, partition: str, region: str, account: str) -> dict[str, str]:
        """The resource pattern of each scoped action in one account and region."""
        return {
            action: pattern.format(partition=partition, region=region, account=account)
            for action, pattern in self.scoped
        }


#: ``monitoring: read-only``: what an observability vendor reads (its documented read-only calls
#: for the services an intermediate account holds): metrics, tags, and describe/list calls.
MONITORING_READ_ONLY = MonitoringActions(
    unscoped=(
        "cloudwatch:GetMetricData",
        "cloudwatch:GetMetricStatistics",
        "cloudwatch:ListMetrics",
        "tag:GetResources",
        "tag:GetTagKeys",
        "tag:GetTagValues",
        "sqs:ListQueues",
        "sns:ListTopics",
        "s3:ListAllMyBuckets",
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeFlowLogs",
        "logs:DescribeLogGroups",
    ),
    scoped=(
        ("cloudwatch:DescribeAlarms", "arn:{partition}:cloudwatch:{region}:{account}:alarm:*"),
        ("cloudwatch:DescribeAlarmHistory", "arn:{partition}:cloudwatch:{region}:{account}:alarm:*"),
        ("budgets:ViewBudget", "arn:{partition}:budgets::{account}:budget/*"),
    ),
)
#: Named monitoring grants by the value of ``monitoring:`` in the spec.
MONITORING: dict[str, MonitoringActions] = {"read-only": MONITORING_READ_ONLY}

#: Grant kinds on a buffer or the drop zone (``integrations[].access.grants[]``) by their key.
VENDOR_GRANTS: dict[str, GrantActions] = {
    "send": SEND,
    "consume": CONSUME,
    "put_objects": PUT_OBJECTS,
    "read_objects": READ_OBJECTS,
    "delete_objects": DELETE_OBJECTS,
}
#: What core roles may do: consume and read (flows from the vendor), send and write (flows to it), delete.
CORE_GRANTS: dict[str, GrantActions] = {
    "consume": CORE_CONSUME,
    "send": CORE_SEND,
    "put_objects": PUT_OBJECTS,
    "read_objects": READ_OBJECTS,
    "delete_objects": DELETE_OBJECTS,
}


def grant_actions(kind: str, acl: str | None = None) -> GrantActions:
    """The actions of a vendor grant of ``kind`` (``put_objects`` with ``acl``: the ACL-requiring form)."""
    if kind == "put_objects" and acl == BUCKET_OWNER_FULL_CONTROL:
        return PUT_OBJECTS_OWNER_FULL_CONTROL
    return VENDOR_GRANTS[kind]


def prefix_condition(prefix: str) -> dict[str, dict[str, list[str]]]:
    """The ``s3:ListBucket`` condition that admits only listings of keys under ``prefix``."""
    return {"StringLike": {"s3:prefix": [f"{prefix}*"]}}
