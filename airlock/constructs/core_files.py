"""Core accounts read and write the files of an intermediate drop zone: the core-account half.

:class:`DropZoneReader` and :class:`DropZoneWriter` grant a function or role in a core account
what :meth:`airlock.constructs.DropZone.allow_core_access` admits in the intermediate account,
by literal ARNs, without lookups and without a spec.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from airlock import grants
from airlock.compliance.acknowledge import acknowledge

_BUCKET_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:s3:::(?P<name>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$", re.ASCII)
_KEY_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/[0-9a-f-]{36}$", re.ASCII
)


def _region_of_key(bucket_arn: str, key_arn: str) -> str:
    if cdk.Token.is_unresolved(bucket_arn) or not _BUCKET_ARN.fullmatch(bucket_arn):
        raise ValueError(f"bucket_arn '{bucket_arn}' is not a literal bucket ARN; pass 'arn:aws:s3:::<bucket>'")
    key_match = _KEY_ARN.fullmatch(key_arn) if not cdk.Token.is_unresolved(key_arn) else None
    if key_match is None:
        raise ValueError(
            f"key_arn '{key_arn}' is not a literal KMS key ARN; pass 'arn:aws:kms:<region>:<account>:key/<id>'"
        )
    return key_match.group("region")


def _check_prefixes(name: str, prefixes: Sequence[str], *, required: bool) -> None:
    if required and not prefixes:
        raise ValueError(f"{name} is empty; name the drop-zone prefixes, e.g. ['drop/vendor/']")
    for prefix in prefixes:
        if not prefix.endswith("/") or prefix.startswith("/") or "*" in prefix:
            raise ValueError(f"{name} contains '{prefix}'; pass key prefixes ending in '/', e.g. 'drop/vendor/'")


def _object_grants(
    consumer: iam.IGrantable, bucket_arn: str, prefixes: Sequence[str], actions: grants.GrantActions
) -> iam.Grant:
    grant = iam.Grant.add_to_principal(
        grantee=consumer,
        actions=list(actions.resource),
        resource_arns=[f"{bucket_arn}/{prefix}*" for prefix in prefixes],
        conditions=actions.conditions,
    )
    if isinstance(consumer, Construct):
        for prefix in prefixes:
            acknowledge(
                consumer,
                f"AwsSolutions-IAM5[Resource::{bucket_arn}/{prefix}*]",
                reason=f"The files are named by their writer; the grant covers only the prefix '{prefix}'.",
            )
    return grant


def _key_grant(consumer: iam.IGrantable, key_arn: str, region: str, actions: Sequence[str]) -> iam.Grant:
    return iam.Grant.add_to_principal(
        grantee=consumer,
        actions=list(actions),
        resource_arns=[key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
    )


class DropZoneReader(Construct):
    """Let a function or role in a core account read (and, optionally, delete) the files of a drop zone.

    The core-account half of :meth:`DropZone.allow_core_access` (``read``, ``delete``): grants
    ``consumer`` ``s3:GetObject`` and ``s3:GetObjectVersion`` on the objects under
    ``prefixes``, ``s3:ListBucket`` for keys under them (``s3:prefix``), ``s3:GetBucketLocation``
    and ``kms:Decrypt`` on the drop zone's key through S3, by literal ARNs, without lookups. The
    intermediate account must admit the role in its bucket and key policies (airlock does that
    for the spec's core consumers).

    :param bucket_arn: literal ARN of the drop-zone bucket (``arn:aws:s3:::<name>``).
    :param key_arn: literal ARN of the drop zone's KMS key.
    :param prefixes: the prefixes to read, each ending in ``/``.
    :param consumer: the Lambda function, role or other grantable that reads.
    :param delete_prefixes: prefixes whose files the consumer may also delete once processed
        (``s3:DeleteObject``, ``s3:DeleteObjectVersion``). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_arn: str,
        key_arn: str,
        prefixes: Sequence[str],
        consumer: iam.IGrantable,
        delete_prefixes: Sequence[str] = (),
    ) -> None:
        super().__init__(scope, id)
        region = _region_of_key(bucket_arn, key_arn)
        _check_prefixes("prefixes", prefixes, required=True)
        _check_prefixes("delete_prefixes", delete_prefixes, required=False)
        read = grants.READ_OBJECTS
        self.grant: iam.Grant = _object_grants(consumer, bucket_arn, prefixes, read)
        #: The grant to list the keys under the prefixes and find the bucket's region.
        self.list_grant: iam.Grant = iam.Grant.add_to_principal(
            grantee=consumer,
            actions=list(read.listing),
            resource_arns=[bucket_arn],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}},
        ).combine(iam.Grant.add_to_principal(grantee=consumer, actions=list(read.bucket), resource_arns=[bucket_arn]))
        #: The grant of ``kms:Decrypt`` on the key, through S3 only.
        self.key_grant: iam.Grant = _key_grant(consumer, key_arn, region, read.key)
        #: The grant to delete, when ``delete_prefixes`` are given.
        self.delete_grant: iam.Grant | None = (
            _object_grants(consumer, bucket_arn, delete_prefixes, grants.DELETE_OBJECTS) if delete_prefixes else None
        )


class DropZoneWriter(Construct):
    """Let a function or role in a core account write files into a drop zone, for the vendor to read.

    The core-account half of :meth:`DropZone.allow_core_access` (``write``): grants ``producer``
    ``s3:PutObject`` on the objects under ``prefixes`` and ``kms:GenerateDataKey`` and
    ``kms:Decrypt`` on the drop zone's key through S3 (a multipart upload needs both), by
    literal ARNs. The intermediate account must admit the role (airlock does that for the
    spec's core producers).

    :param bucket_arn: literal ARN of the drop-zone bucket (``arn:aws:s3:::<name>``).
    :param key_arn: literal ARN of the drop zone's KMS key.
    :param prefixes: the prefixes to write under, each ending in ``/``.
    :param producer: the Lambda function, role or other grantable that writes.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        bucket_arn: str,
        key_arn: str,
        prefixes: Sequence[str],
        producer: iam.IGrantable,
    ) -> None:
        super().__init__(scope, id)
        region = _region_of_key(bucket_arn, key_arn)
        _check_prefixes("prefixes", prefixes, required=True)
        self.grant: iam.Grant = _object_grants(producer, bucket_arn, prefixes, grants.PUT_OBJECTS)
        #: The grant on the key, through S3 only.
        self.key_grant: iam.Grant = _key_grant(producer, key_arn, region, grants.PUT_OBJECTS.key)
