"""SQS buffers: a dead-letter queue, a KMS key and a TLS-only policy on both queues."""

from __future__ import annotations

import json
from typing import Any

from airlock.spec import Buffer
from airlock.verify import policies
from airlock.verify.aws import ApiError
from airlock.verify.context import Context, queue_base_name
from airlock.verify.findings import Finding
from airlock.verify.registry import Scope, check

_NOT_FOUND = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def queue_names(ctx: Context, buffer: Buffer) -> tuple[str, str]:
    """(source queue name, dead-letter queue name) of a buffer."""
    assert ctx.integration is not None
    base = queue_base_name(ctx.integration, buffer.name)
    suffix = ".fifo" if buffer.fifo else ""
    return base + suffix, base + "-dlq" + suffix


def queue_attributes(ctx: Context, name: str) -> dict[str, str] | None:
    """All attributes of the queue ``name`` in the current account and region, None if absent."""
    assert ctx.region is not None

    def read() -> dict[str, str] | None:
        account = ctx.account()
        try:
            url = account.call(
                "sqs", ctx.region, "get_queue_url", QueueName=name, QueueOwnerAWSAccountId=account.account_id
            )["QueueUrl"]
        except ApiError as exc:
            if exc.code in _NOT_FOUND:
                return None
            raise
        response = account.call("sqs", ctx.region, "get_queue_attributes", QueueUrl=url, AttributeNames=["All"])
        return dict(response.get("Attributes", {}))

    return ctx.memo(("queue", ctx.account_id, ctx.region, name), read)


def _arn(ctx: Context, name: str) -> str:
    return f"arn:{ctx.partition}:sqs:{ctx.region}:{ctx.account_id}:{name}"


def _buffers(ctx: Context) -> list[Buffer]:
    assert ctx.integration is not None
    return list(ctx.integration.buffers)


@check("AV-QUEUE-1", scope=Scope.REGION, title="Buffer queues redrive to their dead-letter queue")
def redrive(ctx: Context) -> list[Finding]:
    """Each buffer's source queue (``airlock-<integration>-<buffer>[.fifo]``) exists and has a
    redrive policy to its DLQ (``...-dlq[.fifo]``, which exists) with the spec's
    ``max_receive_count``."""
    findings = []
    for buffer in _buffers(ctx):
        name, dlq_name = queue_names(ctx, buffer)
        attributes = queue_attributes(ctx, name)
        if attributes is None:
            findings.append(ctx.missing("AV-QUEUE-1", _arn(ctx, name), "the buffer's queue does not exist"))
            continue
        if queue_attributes(ctx, dlq_name) is None:
            findings.append(ctx.missing("AV-QUEUE-1", _arn(ctx, dlq_name), "the buffer's dead-letter queue is gone"))
            continue
        raw = attributes.get("RedrivePolicy")
        if not raw:
            findings.append(
                ctx.drift(
                    "AV-QUEUE-1",
                    _arn(ctx, name),
                    f"no redrive policy: failed messages are retried until they expire instead of moving to "
                    f"{dlq_name}; redeploy the stack",
                )
            )
            continue
        policy: dict[str, Any] = json.loads(raw)
        problems = []
        if policy.get("deadLetterTargetArn") != _arn(ctx, dlq_name):
            problems.append(f"redrives to {policy.get('deadLetterTargetArn')}, not {dlq_name}")
        if int(policy.get("maxReceiveCount", 0)) != buffer.max_receive_count:
            problems.append(f"maxReceiveCount is {policy.get('maxReceiveCount')}, expected {buffer.max_receive_count}")
        if problems:
            findings.append(ctx.drift("AV-QUEUE-1", _arn(ctx, name), "; ".join(problems)))
        else:
            findings.append(
                ctx.ok("AV-QUEUE-1", _arn(ctx, name), f"redrives to {dlq_name} after {buffer.max_receive_count}")
            )
    return findings


def _per_queue(ctx: Context, check_id: str, judge: Any, fine: Any) -> list[Finding]:
    """``judge(attributes)`` says what is wrong (None: nothing), ``fine(attributes)`` what is right."""
    findings = []
    for buffer in _buffers(ctx):
        for name in queue_names(ctx, buffer):
            attributes = queue_attributes(ctx, name)
            if attributes is None:
                continue  # reported by AV-QUEUE-1
            problem = judge(attributes)
            resource = _arn(ctx, name)
            findings.append(
                ctx.drift(check_id, resource, problem) if problem else ctx.ok(check_id, resource, fine(attributes))
            )
    return findings


@check("AV-QUEUE-2", scope=Scope.REGION, title="Buffer queues are encrypted with a KMS key")
def queue_encryption(ctx: Context) -> list[Finding]:
    """Both queues of each buffer have ``KmsMasterKeyId`` set (a customer-managed key, not
    SQS-managed encryption)."""

    def judge(attributes: dict[str, str]) -> str | None:
        if attributes.get("KmsMasterKeyId"):
            return None
        managed = attributes.get("SqsManagedSseEnabled") == "true"
        return ("encrypted with an SQS-managed key, " if managed else "not encrypted, ") + (
            "not the buffer's KMS key; redeploy the stack"
        )

    return _per_queue(ctx, "AV-QUEUE-2", judge, lambda attributes: f"KMS key {attributes['KmsMasterKeyId']}")


@check("AV-QUEUE-3", scope=Scope.REGION, title="Buffer queues deny requests without TLS")
def queue_tls_only(ctx: Context) -> list[Finding]:
    """Both queues of each buffer have a queue policy that denies ``sqs:*`` to every principal
    when ``aws:SecureTransport`` is false."""

    def judge(attributes: dict[str, str]) -> str | None:
        if policies.denies_insecure_transport(attributes.get("Policy"), "sqs"):
            return None
        return "the queue policy does not deny requests without TLS (aws:SecureTransport); redeploy the stack"

    return _per_queue(ctx, "AV-QUEUE-3", judge, lambda _: "the queue policy denies requests without TLS")
