"""Roles in the organisation's core accounts that use an integration's buffers and drop zone.

Consumers take what the vendor delivers (receive from buffers, read and delete files); producers
hand data to the vendor (send to buffers, write files). Each names its role and, per resource,
what it may do; the intermediate account's queue, bucket and key policies admit exactly those
roles of the organisation. Cross-field checks are in :mod:`airlock.spec.core_access_checks`.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from airlock.spec.access import Prefix, RoleArn
from airlock.spec.base import SpecModel
from airlock.spec.types import Name


class CoreConsumer(SpecModel):
    """A role in one of the organisation's core accounts that takes what the vendor delivers."""

    role: RoleArn = Field(description="Role ARN in a core account, e.g. 'arn:aws:iam::300000000001:role/processor'.")
    buffers: list[Name] = Field(default_factory=list, description="Buffers this role may consume from.")
    read_objects: list[Prefix] | None = Field(
        default=None,
        description="Drop-zone prefixes whose files this role may read and list. Default: the prefixes the "
        "notify_buffer hears of (every prefix unless notify_buffer_prefixes says otherwise) when the role consumes "
        "it (it reads the files the events name), else none.",
    )
    delete_objects: list[Prefix] = Field(
        default_factory=list, description="Drop-zone prefixes whose files this role may delete once processed."
    )

    @model_validator(mode="after")
    def _does_something(self) -> CoreConsumer:
        if not self.buffers and not self.read_objects and not self.delete_objects:
            raise ValueError(
                "the consumer may do nothing; name the buffers it consumes, or the drop-zone prefixes it reads "
                "(read_objects) or deletes (delete_objects), or remove the entry"
            )
        return self


class CoreProducer(SpecModel):
    """A role in one of the organisation's core accounts that hands data to the vendor."""

    role: RoleArn = Field(description="Role ARN in a core account, e.g. 'arn:aws:iam::300000000001:role/exporter'.")
    buffers: list[Name] = Field(default_factory=list, description="Buffers this role may send messages to.")
    put_objects: list[Prefix] = Field(
        default_factory=list, description="Drop-zone prefixes under which this role may write files."
    )

    @model_validator(mode="after")
    def _does_something(self) -> CoreProducer:
        if not self.buffers and not self.put_objects:
            raise ValueError(
                "the producer may do nothing; name the buffers it sends to or the drop-zone prefixes it writes "
                "under (put_objects), or remove the entry"
            )
        return self


def read_prefixes(consumer: CoreConsumer, drop_zone_prefixes: list[str], notify_buffer: str | None) -> list[str]:
    """The prefixes ``consumer`` reads: as declared, or by default the notified prefixes (``drop_zone_prefixes``)
    if it consumes the notify buffer."""
    if consumer.read_objects is not None:
        return list(consumer.read_objects)
    return list(drop_zone_prefixes) if notify_buffer is not None and notify_buffer in consumer.buffers else []
