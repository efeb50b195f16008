"""What each grant of the spec means in IAM actions: one table for every layer.

The constructs grant exactly these actions, the access proof expects exactly these as a
principal's effective access, and the register shows them. Plain data, no imports from the
rest of the package, so every layer may read it.

Each :class:`GrantActions` lists the actions on the resource itself and, where the resource is
encrypted with a customer-managed key, the key actions the service performs on the caller's
behalf (``kms:ViaService`` is the service named by ``via``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GrantActions:
    """The actions of one kind of grant: on the resource, and on its key through ``via``."""

    resource: tuple[str, ...]
    key: tuple[str, ...] = ()
    via: str | None = None

    @property
    def all(self) -> tuple[str, ...]:
        return (*self.resource, *self.key)


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
#: Put objects under a prefix: a multipart upload under SSE-KMS needs Decrypt as well.
PUT_OBJECTS = GrantActions(("s3:PutObject",), ("kms:GenerateDataKey", "kms:Decrypt"), "s3")
#: Read the objects under a prefix (and list the prefix, find the bucket's region).
READ_OBJECTS = GrantActions(("s3:GetObject", "s3:GetObjectVersion"), ("kms:Decrypt",), "s3")
#: Call one method of an API Gateway REST API stage.
INVOKE_API = GrantActions(("execute-api:Invoke",))

#: Grant kinds of the spec (``integrations[].access.grants[]``) by their key.
VENDOR_GRANTS: dict[str, GrantActions] = {"send": SEND, "consume": CONSUME, "put_objects": PUT_OBJECTS}
