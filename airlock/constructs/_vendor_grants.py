"""The ``grant_*`` methods of :class:`airlock.constructs.VendorAccessRole`.

Each method grants exactly the actions of :mod:`airlock.grants` for its kind: to the role's
permissions and boundary (through :meth:`VendorAccessRole._grant`, one statement per resource
kind), and in the resource's own policy (queue, bucket, key or API), and returns the
``iam.Grant``. ``VendorAccessRole.grants`` records what each call added.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from airlock import grants
from airlock.compliance.acknowledge import acknowledge
from airlock.constructs._stack import partition_of
from airlock.grants import GrantActions

#: What each grant kind allows, on the queue / bucket and on its KMS key (from :mod:`airlock.grants`).
SEND_ACTIONS: tuple[str, ...] = grants.SEND.resource
SEND_KEY_ACTIONS: tuple[str, ...] = grants.SEND.key
CONSUME_ACTIONS: tuple[str, ...] = grants.CONSUME.resource
CONSUME_KEY_ACTIONS: tuple[str, ...] = grants.CONSUME.key
PUT_OBJECT_ACTIONS: tuple[str, ...] = grants.PUT_OBJECTS.resource
PUT_OBJECT_KEY_ACTIONS: tuple[str, ...] = grants.PUT_OBJECTS.key
INVOKE_API_ACTIONS: tuple[str, ...] = grants.INVOKE_API.resource

_PREFIX = re.compile(r"^[^*?/][^*?]*/$", re.ASCII)
_ACLS = (grants.BUCKET_OWNER_FULL_CONTROL,)
#: Names of the bucket-policy statements of an object grant in ``VendorGrant.resource_statements``.
_BUCKET_SIDES = ("bucket", "bucket-listing", "bucket-location")
_UNSCOPED_REASON = (
    "List, Describe and GetMetricData calls have no resource-level permissions; they answer only about the "
    "account the role lives in, the intermediate account."
)


@dataclass(frozen=True)
class VendorGrant:
    """What one ``grant_*`` call added: the identity statements and the matching resource-side ones.

    ``resource_statements`` maps a description of the resource policy (``queue``, ``bucket``,
    ``key``, ``api``) to the statement added there.
    """

    kind: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    grant: iam.Grant
    resource_statements: dict[str, iam.PolicyStatement] = field(default_factory=dict)


def check_prefix(prefix: str) -> None:
    if not _PREFIX.fullmatch(prefix) or "//" in prefix:
        raise ValueError(
            f"prefix '{prefix}' is not a key prefix; pass one without wildcards or a leading '/', ending "
            "in '/', e.g. 'drop/payroll/'"
        )


Part = tuple[Sequence[str], Sequence[str], iam.Grant]


class VendorGrants(Construct):
    """The base of :class:`VendorAccessRole`: one method per grant kind, each returning an ``iam.Grant``."""

    role: iam.Role
    role_arn: str
    boundary: iam.ManagedPolicy
    grants: list[VendorGrant]

    def _permissions(self) -> iam.ManagedPolicy:
        raise NotImplementedError

    def _grant(
        self,
        sid: str,
        actions: Sequence[str],
        resources: Sequence[str],
        conditions: Mapping[str, Any] | None = None,
    ) -> iam.Grant:
        raise NotImplementedError

    def _sid(self, kind: str) -> str:
        return f"{kind}{len(self.grants)}"

    def _record(
        self,
        kind: str,
        parts: Sequence[Part],
        resource_side: dict[str, iam.PolicyStatement],
    ) -> iam.Grant:
        combined = parts[0][2]
        for _, _, more in parts[1:]:
            combined = combined.combine(more)
        actions = tuple(a for acts, _, _ in parts for a in acts)
        resources = tuple(dict.fromkeys(r for _, res, _ in parts for r in res))
        self.grants.append(VendorGrant(kind, actions, resources, combined, resource_side))
        return combined

    def _key_grant(
        self, sid: str, key: kms.IKey, actions: Sequence[str], service: str
    ) -> tuple[Part, iam.PolicyStatement]:
        via = {"StringEquals": {"kms:ViaService": f"{service}.{cdk.Stack.of(self).region}.amazonaws.com"}}
        grant = self._grant(f"{sid}Key", actions, [key.key_arn], via)
        # The key policy names this account with the role's ARN as a condition rather than the
        # role itself, so the key does not depend on the role (whose boundary names the key).
        resource = iam.PolicyStatement(
            sid=f"{sid}VendorRole",
            principals=[iam.AccountRootPrincipal()],
            actions=list(actions),
            resources=["*"],
            conditions={**via, "ArnEquals": {"aws:PrincipalArn": self.role_arn}},
        )
        key.add_to_resource_policy(resource)
        return (actions, [key.key_arn], grant), resource

    def grant_send_messages(self, queue: sqs.IQueue, key: kms.IKey | None = None) -> iam.Grant:
        """Let the vendor send to ``queue`` (and generate data keys with its ``key``), nothing else."""
        return self._queue_grant("send", self._sid("Send"), queue, key, grants.SEND)

    def grant_consume_messages(self, queue: sqs.IQueue, key: kms.IKey | None = None) -> iam.Grant:
        """Let the vendor receive, delete and extend the visibility of messages of ``queue`` (and decrypt)."""
        return self._queue_grant("consume", self._sid("Consume"), queue, key, grants.CONSUME)

    def _queue_grant(
        self,
        kind: str,
        sid: str,
        queue: sqs.IQueue,
        key: kms.IKey | None,
        actions: GrantActions,
    ) -> iam.Grant:
        key = key or queue.encryption_master_key
        parts: list[Part] = [
            (actions.resource, [queue.queue_arn], self._grant(sid, actions.resource, [queue.queue_arn]))
        ]
        resource_side: dict[str, iam.PolicyStatement] = {}
        statement = iam.PolicyStatement(
            sid=f"{sid}VendorRole", principals=[self.role], actions=list(actions.resource), resources=[queue.queue_arn]
        )
        if queue.add_to_resource_policy(statement).statement_added:
            resource_side["queue"] = statement
        if key is not None and actions.via is not None:
            part, resource_side["key"] = self._key_grant(sid, key, actions.key, actions.via)
            parts.append(part)
        return self._record(kind, parts, resource_side)

    def grant_put_objects(
        self, bucket: s3.IBucket, prefix: str, key: kms.IKey | None = None, *, acl: str | None = None
    ) -> iam.Grant:
        """Let the vendor put objects under ``prefix`` of ``bucket`` (and encrypt them with ``key``), nothing else.

        :param prefix: a key prefix ending in ``/``, without wildcards, e.g. ``drop/payroll/``.
        :param acl: ``bucket-owner-full-control`` for a vendor that sends that canned ACL on every
            upload: the grant then requires it (``s3:x-amz-acl``) and adds ``s3:PutObjectAcl``,
            which an upload with an ACL header needs. Default: no ACL (the bucket owner owns
            every object anyway).
        """
        if acl is not None and acl not in _ACLS:
            raise ValueError(f"acl '{acl}' is not supported; pass one of {list(_ACLS)} or leave it out")
        return self._object_grant(
            "put_objects", "PutObjects", bucket, prefix, key, grants.grant_actions("put_objects", acl)
        )

    def grant_read_objects(self, bucket: s3.IBucket, prefix: str, key: kms.IKey | None = None) -> iam.Grant:
        """Let the vendor read the objects under ``prefix`` (and decrypt them), list the keys under it
        (``s3:ListBucket`` with ``s3:prefix``) and find the bucket's region, nothing else."""
        return self._object_grant("read_objects", "ReadObjects", bucket, prefix, key, grants.READ_OBJECTS)

    def grant_delete_objects(self, bucket: s3.IBucket, prefix: str) -> iam.Grant:
        """Let the vendor delete the objects under ``prefix`` (and their versions), nothing else."""
        return self._object_grant("delete_objects", "DeleteObjects", bucket, prefix, None, grants.DELETE_OBJECTS)

    def _object_grant(
        self,
        kind: str,
        name: str,
        bucket: s3.IBucket,
        prefix: str,
        key: kms.IKey | None,
        actions: GrantActions,
    ) -> iam.Grant:
        check_prefix(prefix)
        sid = self._sid(name)
        key = key or bucket.encryption_key
        objects = bucket.arn_for_objects(f"{prefix}*")
        resource_side: dict[str, iam.PolicyStatement] = {}
        statements: list[tuple[str, Sequence[str], str, Mapping[str, Any] | None]] = [
            (sid, actions.resource, objects, actions.conditions)
        ]
        if actions.listing:
            statements.append((f"{sid}List", actions.listing, bucket.bucket_arn, grants.prefix_condition(prefix)))
        if actions.bucket:
            statements.append((f"{sid}Bucket", actions.bucket, bucket.bucket_arn, None))
        parts: list[Part] = []
        for (part_sid, part_actions, resource, conditions), side in zip(statements, _BUCKET_SIDES, strict=False):
            parts.append((part_actions, [resource], self._grant(part_sid, part_actions, [resource], conditions)))
            statement = iam.PolicyStatement(
                sid=f"{part_sid}VendorRole",
                principals=[self.role],
                actions=list(part_actions),
                resources=[resource],
                conditions=dict(conditions) if conditions else None,
            )
            if bucket.add_to_resource_policy(statement).statement_added:
                resource_side[side] = statement
        if key is not None and actions.via is not None:
            part, resource_side["key"] = self._key_grant(sid, key, actions.key, actions.via)
            parts.append(part)
        return self._record(kind, parts, resource_side)

    def grant_monitoring(self, level: str = "read-only") -> iam.Grant:
        """Let an observability vendor read this account: CloudWatch metrics and alarms, tags, and
        describe and list calls (exactly :data:`airlock.grants.MONITORING_READ_ONLY`).

        Calls without resource-level permissions name ``*`` and answer only about this account;
        the others name this account's alarms and budgets. Acknowledges the ``*`` resources of
        ``AwsSolutions-IAM5`` with that reason.
        """
        if level not in grants.MONITORING:
            raise ValueError(f"monitoring level '{level}' is not known; pass one of {sorted(grants.MONITORING)}")
        actions = grants.MONITORING[level]
        stack = cdk.Stack.of(self)
        sid = self._sid("Monitoring")
        parts: list[Part] = [(actions.unscoped, ["*"], self._grant(sid, actions.unscoped, ["*"]))]
        patterns: dict[str, list[str]] = {}
        for action, pattern in actions.resources(partition_of(stack), stack.region, stack.account).items():
            patterns.setdefault(pattern, []).append(action)
        for position, (pattern, scoped) in enumerate(patterns.items()):
            parts.append((scoped, [pattern], self._grant(f"{sid}Scoped{position}", scoped, [pattern])))
        for policy in (self._permissions(), self.boundary):
            acknowledge(policy, "AwsSolutions-IAM5[Resource::*]", reason=_UNSCOPED_REASON)
            for pattern in patterns:
                acknowledge(
                    policy,
                    f"AwsSolutions-IAM5[Resource::{pattern}]",
                    reason="Describe calls on every alarm or budget of this account, and of no other account.",
                )
        return self._record("monitoring", parts, {})

    def grant_invoke_api(self, api: apigateway.IRestApi, *, method: str, path: str, stage: str) -> iam.Grant:
        """Let the vendor call one method of one resource path of an API Gateway REST API stage.

        :param method: an HTTP method (``GET``, ``POST``...), not ``*``.
        :param path: a resource path starting with ``/``, e.g. ``/orders``.
        :param stage: the stage name, e.g. ``prod``.
        """
        if method.upper() not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
            raise ValueError(f"method '{method}' is not an HTTP method; pass one such as 'POST'")
        if not path.startswith("/") or "*" in path:
            raise ValueError(f"path '{path}' is not a resource path; pass one such as '/orders'")
        if not stage or "*" in stage or "/" in stage:
            raise ValueError(f"stage '{stage}' is not a stage name; pass one such as 'prod'")
        sid = self._sid("InvokeApi")
        arn = api.arn_for_execute_api(method.upper(), path, stage)
        grant = self._grant(sid, INVOKE_API_ACTIONS, [arn])
        resource_side: dict[str, iam.PolicyStatement] = {}
        if isinstance(api, apigateway.RestApi):
            # API policies name the API relatively and the role by condition: the API must not
            # depend on the role, whose boundary names the API.
            statement = iam.PolicyStatement(
                sid=f"{sid}VendorRole",
                principals=[iam.AccountRootPrincipal()],
                actions=list(INVOKE_API_ACTIONS),
                resources=[f"execute-api:/{stage}/{method.upper()}{path}"],
                conditions={"ArnEquals": {"aws:PrincipalArn": self.role_arn}},
            )
            api.add_to_resource_policy(statement)
            resource_side["api"] = statement
        return self._record("invoke_api", [(INVOKE_API_ACTIONS, [arn], grant)], resource_side)
