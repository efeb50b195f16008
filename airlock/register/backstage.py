"""Backstage catalog entities of the register (``catalog-info.yaml``).

Per integration: a System that groups it, a Resource for the intermediate account, a
Resource per buffer and for the drop zone (the account depends on them), and an API per
data flow. Every entity has an owner (the integration's owner, as a Backstage group) and
points only at entities of the same file, so the catalogue shows no dangling relations.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import yaml

from airlock.register.records import IntegrationRecord, Register

API_VERSION = "backstage.io/v1alpha1"
MAX_NAME = 63
_NOT_NAME = re.compile(r"[^a-z0-9-_.]+")
ANNOTATION = "saas-airlock/integration"


def entity_name(*parts: str) -> str:
    """A valid Backstage entity name (letters, digits, '-', '_', '.'; at most 63 characters)."""
    name = _NOT_NAME.sub("-", "-".join(parts).lower()).strip("-_.")
    name = re.sub(r"[-_.]{2,}", "-", name)
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = name[: MAX_NAME - 9].rstrip("-_.") + "-" + digest
    return name or "unnamed"


def owner_ref(owner: str) -> str:
    return "group:" + entity_name(owner)


def _entity(kind: str, name: str, record: IntegrationRecord, description: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {
            "name": name,
            "description": description,
            "annotations": {ANNOTATION: record.name},
            "tags": ["saas-integration", record.data_classification],
        },
        "spec": {"owner": owner_ref(record.owner), **spec},
    }


def entities(record: IntegrationRecord) -> list[dict[str, Any]]:
    system = entity_name("airlock", record.name)
    account = entity_name(record.name, "account")
    lifecycle = "production" if record.state == "active" else "deprecated"
    parts: list[str] = []
    out: list[dict[str, Any]] = []
    for buffer in record.buffers:
        name = entity_name(record.name, "queue", buffer.name)
        parts.append(f"resource:{name}")
        out.append(
            _entity(
                "Resource",
                name,
                record,
                f"SQS buffer {buffer.queue_name} with dead-letter queue {buffer.dead_letter_queue_name}",
                {"type": "sqs-queue", "system": system, "dependencyOf": [f"resource:{account}"]},
            )
        )
    if record.drop_zone:
        name = entity_name(record.name, "drop-zone")
        parts.append(f"resource:{name}")
        out.append(
            _entity(
                "Resource",
                name,
                record,
                f"S3 drop zone for {', '.join(record.drop_zone.prefixes)}",
                {"type": "s3-bucket", "system": system, "dependencyOf": [f"resource:{account}"]},
            )
        )
    for flow in record.data_flows:
        definition = yaml.safe_dump(
            {
                "flow": flow.name,
                "direction": flow.direction,
                "classification": flow.classification,
                "via": flow.via,
                "buffer": flow.buffer,
                "consumers": flow.consumers,
                "description": flow.description,
            },
            sort_keys=False,
            allow_unicode=True,
        )
        out.append(
            _entity(
                "API",
                entity_name(record.name, "flow", flow.name),
                record,
                flow.description,
                {"type": "data-flow", "lifecycle": lifecycle, "system": system, "definition": definition},
            )
        )
    head = [
        _entity(
            "System",
            system,
            record,
            record.description or f"SaaS integration {record.name} with {record.vendor.name}",
            {},
        ),
        _entity(
            "Resource",
            account,
            record,
            f"Intermediate AWS account {record.account.id or '(not yet created)'} of {record.vendor.name}",
            {"type": "aws-account", "system": system, "dependsOn": parts},
        ),
    ]
    if not parts:
        del head[1]["spec"]["dependsOn"]
    return head + out


def catalog_info(register: Register) -> str:
    """Every entity of the register as a multi-document YAML file."""
    documents = [entity for record in register.integrations for entity in entities(record)]
    if not documents:
        return "# no integrations in the spec\n"
    return yaml.safe_dump_all(documents, sort_keys=False, allow_unicode=True, width=120)
