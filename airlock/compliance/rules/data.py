"""Rules for what holds data: log groups and queues."""

from __future__ import annotations

from airlock.compliance.rules._model import (
    COMPLIANT,
    NON_COMPLIANT,
    Outcome,
    Resource,
    refers_to,
    rule,
)


@rule(
    "LogGroupRetention",
    types=("AWS::Logs::LogGroup",),
    info="The log group keeps its events forever (no RetentionInDays).",
    explanation="Logs of an intermediate account are evidence with a defined lifetime: a retention keeps "
    "them long enough for investigations and bounds cost and exposure.",
)
def log_group_retention(resource: Resource) -> Outcome:
    return COMPLIANT if resource.properties.get("RetentionInDays") else NON_COMPLIANT


@rule(
    "LogGroupEncryption",
    types=("AWS::Logs::LogGroup",),
    info="The log group is not encrypted with a KMS key (no KmsKeyId).",
    explanation="Flow logs and application logs of an integration reveal its partners and traffic; a "
    "customer-managed key puts reading them under the key policy and CloudTrail.",
)
def log_group_encryption(resource: Resource) -> Outcome:
    return COMPLIANT if resource.properties.get("KmsKeyId") else NON_COMPLIANT


def _is_dead_letter_queue(resource: Resource) -> bool:
    if resource.properties.get("RedriveAllowPolicy"):
        return True
    for _, props in resource.neighbours("AWS::SQS::Queue"):
        redrive = props.get("RedrivePolicy")
        if isinstance(redrive, dict) and refers_to(redrive.get("deadLetterTargetArn"), resource.logical_id):
            return True
    return False


@rule(
    "QueueDeadLetter",
    types=("AWS::SQS::Queue",),
    info="The queue has no dead-letter queue (no RedrivePolicy) and is not itself a dead-letter queue.",
    explanation="Without a dead-letter queue a message that keeps failing is retried until it expires and "
    "is lost; with one it is kept for inspection and redrive.",
)
def queue_dead_letter(resource: Resource) -> Outcome:
    redrive = resource.properties.get("RedrivePolicy")
    if isinstance(redrive, dict) and redrive.get("deadLetterTargetArn"):
        return COMPLIANT
    return COMPLIANT if _is_dead_letter_queue(resource) else NON_COMPLIANT


@rule(
    "QueueCustomerManagedKey",
    types=("AWS::SQS::Queue",),
    info="The queue is not encrypted with a customer-managed KMS key (SQS-managed or the AWS-managed alias/aws/sqs).",
    explanation="SQS-managed encryption and the AWS-managed key cannot be limited by a key policy or "
    "revoked; a customer-managed key can, and every use is logged.",
)
def queue_customer_managed_key(resource: Resource) -> Outcome:
    key = resource.properties.get("KmsMasterKeyId")
    if not key or (isinstance(key, str) and key.lower() in ("alias/aws/sqs", "aws/sqs")):
        return NON_COMPLIANT
    if isinstance(key, str) and key.lower().endswith(":alias/aws/sqs"):
        return NON_COMPLIANT
    return COMPLIANT
