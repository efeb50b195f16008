"""Core accounts consume from and send to an intermediate account's buffers: both halves of that access.

:func:`allow_core_consumers` and :func:`allow_core_producers` are the intermediate-account
half (queue and key policy statements that admit exactly the named core roles of the
organisation); :class:`BufferConsumer` and :class:`BufferProducer` are the core-account half,
for application teams, usable without a spec: they import the queue and key by ARN and grant a
function or role what it needs. The drop zone's files: :mod:`airlock.constructs.core_files`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from airlock.constructs._principals import core_principals
from airlock.grants import CORE_CONSUME, CORE_SEND, GrantActions

#: What a core consumer may do on the queue (what ``Queue.grant_consume_messages`` asks for).
CORE_CONSUME_ACTIONS: tuple[str, ...] = CORE_CONSUME.resource
CORE_KEY_ACTIONS: tuple[str, ...] = CORE_CONSUME.key

_QUEUE_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:sqs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<name>[\w-]{1,80}(?:\.fifo)?)$",
    re.ASCII,
)
_KEY_ARN = re.compile(
    r"^arn:aws(?:-[a-z]+)*:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/[0-9a-f-]{36}$", re.ASCII
)


@dataclass(frozen=True)
class CoreConsumerStatements:
    """The statements :func:`allow_core_consumers` added."""

    queue: iam.PolicyStatement
    key: iam.PolicyStatement | None


def allow_core_consumers(
    queue: sqs.IQueue,
    key: kms.IKey | None,
    *,
    role_arns: Sequence[str],
    organization_id: str,
    sid: str = "CoreConsumers",
) -> CoreConsumerStatements:
    """Let exactly ``role_arns`` (roles in the organisation's core accounts) consume from ``queue``.

    The queue and key policies name the roles' accounts as principals and admit only the
    listed role ARNs (``aws:PrincipalArn``) of the organisation (``aws:PrincipalOrgID``).
    Naming the accounts rather than the roles keeps the key deployable before the core roles
    exist; the conditions keep the grant as narrow as naming the roles.

    :param key: the queue's KMS key; its policy gets a ``kms:Decrypt`` statement limited to
        SQS. Default: the queue's own ``encryption_master_key``, if any.
    """
    return _allow_core(queue, key, role_arns, organization_id, CORE_CONSUME, sid)


def allow_core_producers(
    queue: sqs.IQueue,
    key: kms.IKey | None,
    *,
    role_arns: Sequence[str],
    organization_id: str,
    sid: str = "CoreProducers",
) -> CoreConsumerStatements:
    """Let exactly ``role_arns`` (roles in the organisation's core accounts) send to ``queue``.

    Like :func:`allow_core_consumers`, for ``sqs:SendMessage`` (with ``sqs:GetQueueAttributes``
    and ``sqs:GetQueueUrl``, what ``Queue.grant_send_messages`` asks for) and, on the key,
    ``kms:GenerateDataKey`` and ``kms:Decrypt`` through SQS.
    """
    return _allow_core(queue, key, role_arns, organization_id, CORE_SEND, sid)


def _allow_core(
    queue: sqs.IQueue,
    key: kms.IKey | None,
    role_arns: Sequence[str],
    organization_id: str,
    actions: GrantActions,
    sid: str,
) -> CoreConsumerStatements:
    principals, who = core_principals(role_arns, organization_id)
    arns, org = who["ArnEquals"], who["StringEquals"]
    queue_statement = iam.PolicyStatement(
        sid=sid, principals=principals, actions=list(actions.resource), resources=[queue.queue_arn], conditions=who
    )
    queue.add_to_resource_policy(queue_statement)
    key = key or queue.encryption_master_key
    key_statement = None
    if key is not None:
        region = cdk.Stack.of(queue).region
        key_statement = iam.PolicyStatement(
            sid=sid,
            principals=principals,
            actions=list(actions.key),
            resources=["*"],
            conditions={
                "ArnEquals": arns,
                "StringEquals": {**org, "kms:ViaService": f"sqs.{region}.amazonaws.com"},
            },
        )
        key.add_to_resource_policy(key_statement)
    return CoreConsumerStatements(queue=queue_statement, key=key_statement)


class BufferConsumer(Construct):
    """Wire a function or role in a core account to a buffer queue of an intermediate account.

    Imports the queue (and its KMS key) by ARN, without any lookup, and grants ``consumer``
    receive, delete, change-visibility and get-attributes on the queue and ``kms:Decrypt``
    on the key. The intermediate account must admit the consumer's role in its queue and key
    policies (airlock does that for the ``core_consumers`` of the spec).

    :param queue_arn: literal ARN of the intermediate queue (a FIFO queue's ends in ``.fifo``).
    :param key_arn: literal ARN of the queue's KMS key. Default: none, for a queue without a
        customer-managed key (airlock's buffers always have one).
    :param consumer: the Lambda function, role or other grantable that consumes.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        queue_arn: str,
        consumer: iam.IGrantable,
        key_arn: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        queue_match = _QUEUE_ARN.fullmatch(queue_arn) if not cdk.Token.is_unresolved(queue_arn) else None
        if queue_match is None:
            raise ValueError(
                f"queue_arn '{queue_arn}' is not a literal SQS queue ARN; pass "
                "'arn:aws:sqs:<region>:<account>:<queue name>' as handed over by the platform team"
            )
        if key_arn is not None:
            key_match = _KEY_ARN.fullmatch(key_arn) if not cdk.Token.is_unresolved(key_arn) else None
            if key_match is None:
                raise ValueError(
                    f"key_arn '{key_arn}' is not a literal KMS key ARN; pass 'arn:aws:kms:<region>:<account>:key/<id>'"
                )
            if key_match.group("region", "account") != queue_match.group("region", "account"):
                raise ValueError(
                    f"key_arn '{key_arn}' is not in the queue's account and region "
                    f"({queue_match.group('account')}, {queue_match.group('region')}); pass the queue's own key"
                )
        self.queue: sqs.IQueue = sqs.Queue.from_queue_attributes(
            self,
            "Queue",
            queue_arn=queue_arn,
            key_arn=key_arn,
            fifo=queue_match.group("name").endswith(".fifo"),
        )
        #: The queue's key, imported; ``None`` without ``key_arn``.
        self.key: kms.IKey | None = self.queue.encryption_master_key
        #: The grant on the queue (it includes ``kms:Decrypt`` on the key).
        self.grant: iam.Grant = self.queue.grant_consume_messages(consumer)


class BufferProducer(Construct):
    """Wire a function or role in a core account to send to a buffer queue of an intermediate account.

    The core-account half of :func:`allow_core_producers`: imports the queue (and its KMS key)
    by ARN, without any lookup, and grants ``producer`` ``sqs:SendMessage``,
    ``sqs:GetQueueAttributes`` and ``sqs:GetQueueUrl`` on the queue and ``kms:GenerateDataKey``
    and ``kms:Decrypt`` on the key through SQS only, exactly what the intermediate account admits.

    :param queue_arn: literal ARN of the intermediate queue (a FIFO queue's ends in ``.fifo``).
    :param key_arn: literal ARN of the queue's KMS key (airlock's buffers always have one).
    :param producer: the Lambda function, role or other grantable that sends.
    """

    def __init__(self, scope: Construct, id: str, *, queue_arn: str, key_arn: str, producer: iam.IGrantable) -> None:
        super().__init__(scope, id)
        queue_match = _QUEUE_ARN.fullmatch(queue_arn) if not cdk.Token.is_unresolved(queue_arn) else None
        if queue_match is None:
            raise ValueError(
                f"queue_arn '{queue_arn}' is not a literal SQS queue ARN; pass "
                "'arn:aws:sqs:<region>:<account>:<queue name>' as handed over by the platform team"
            )
        key_match = _KEY_ARN.fullmatch(key_arn) if not cdk.Token.is_unresolved(key_arn) else None
        if key_match is None or key_match.group("region", "account") != queue_match.group("region", "account"):
            raise ValueError(
                f"key_arn '{key_arn}' is not the literal ARN of a KMS key in the queue's account and region; pass "
                "'arn:aws:kms:<region>:<account>:key/<id>' of the queue's own key"
            )
        #: The grant on the queue.
        self.grant: iam.Grant = iam.Grant.add_to_principal(
            grantee=producer, actions=list(CORE_SEND.resource), resource_arns=[queue_arn]
        )
        #: The grant on the key, through SQS only.
        self.key_grant: iam.Grant = iam.Grant.add_to_principal(
            grantee=producer,
            actions=list(CORE_SEND.key),
            resource_arns=[key_arn],
            conditions={"StringEquals": {"kms:ViaService": f"sqs.{queue_match.group('region')}.amazonaws.com"}},
        )
