"""The register's access section: who may assume the vendor role, with which external ID, and
exactly which actions each grant (the vendor's and the core roles') allows.

Built from the spec and :mod:`airlock.grants`, the same tables the constructs grant from and
the access proof checks the effective access against, so the register shows what is proven.
"""

from __future__ import annotations

from airlock import grants
from airlock.register.records import (
    AccessRecord,
    CoreAccessRecord,
    ExternalIdRecord,
    GrantRecord,
    PrincipalRecord,
)
from airlock.spec import Integration, Organization
from airlock.spec.access import Grant, is_user_arn
from airlock.spec.core_access import read_prefixes
from airlock.spec.vendors import external_id_policy


def access_record(
    organization: Organization, integration: Integration, others: list[Integration]
) -> AccessRecord | None:
    access = integration.access
    if access is None:
        return None
    principals = [
        PrincipalRecord(principal=arn, kind="user" if is_user_arn(arn) else "role") for arn in access.principals
    ]
    principals += [
        PrincipalRecord(principal=f"arn:aws:iam::{entry.account_id}:root", kind="account", reason=entry.reason)
        for entry in access.whole_accounts
    ]
    policy = external_id_policy(organization, integration, others)
    external = (
        ExternalIdRecord(
            issued_by=policy.issued_by,
            declared_in=policy.declared_in,
            length=len(policy.value),
            min_length=policy.min_length,
            shared_with=list(policy.shared_with),
        )
        if policy.value is not None
        else None
    )
    return AccessRecord(
        principals=principals,
        self_assume=access.self_assume,
        external_id=external,
        source_ips=list(access.source_ips),
        session_tags=dict(access.session_tags),
        max_session_seconds=access.max_session_seconds,
        grants=[grant_record(grant) for grant in access.grants],
    )


def grant_record(grant: Grant) -> GrantRecord:
    if grant.kind == "monitoring":
        actions = grants.MONITORING[grant.target]
        named = actions.resources("<partition>", "<region>", "<account>")
        scoped = ", ".join(f"{action} on {pattern}" for action, pattern in named.items())
        return GrantRecord(
            kind=grant.kind,
            target=grant.target,
            actions=list(actions.all),
            key_actions=[],
            scope=f"the intermediate account only: '*' for calls without resource-level permissions; {scoped}",
            requires={},
        )
    table = grants.grant_actions(grant.kind, grant.acl)
    return GrantRecord(kind=grant.kind, target=grant.target, **_described(grant.kind, grant.target, table))


def _described(kind: str, target: str, table: grants.GrantActions) -> dict[str, object]:
    if kind in ("send", "consume"):
        scope = f"the queue of buffer '{target}'"
    else:
        scope = f"the drop zone's objects under '{target}'"
        if table.listing:
            scope += f"; listing keys under '{target}' ({', '.join(table.listing)} with s3:prefix {target}*)"
        if table.bucket:
            scope += f"; the bucket itself ({', '.join(table.bucket)})"
    via = f" through {table.via}" if table.key else ""
    return {
        "actions": [*table.resource, *table.listing, *table.bucket],
        "key_actions": list(table.key),
        "scope": scope + (f"; the key{via}" if table.key else ""),
        "requires": dict(table.required),
    }


def core_access_records(integration: Integration) -> list[CoreAccessRecord]:
    """What each core consumer and producer may do, per buffer and prefix."""
    zone = integration.drop_zone
    prefixes = zone.buffer_prefixes if zone else []
    notify = zone.notify_buffer if zone else None
    wanted: list[tuple[str, str, str]] = []
    for consumer in integration.core_consumers:
        wanted += [(consumer.role, "consume", buffer) for buffer in consumer.buffers]
        wanted += [(consumer.role, "read_objects", p) for p in read_prefixes(consumer, prefixes, notify)]
        wanted += [(consumer.role, "delete_objects", p) for p in consumer.delete_objects]
    for producer in integration.core_producers:
        wanted += [(producer.role, "send", buffer) for buffer in producer.buffers]
        wanted += [(producer.role, "put_objects", p) for p in producer.put_objects]
    return [
        CoreAccessRecord(role=role, kind=kind, target=target, **_described(kind, target, grants.CORE_GRANTS[kind]))
        for role, kind, target in wanted
    ]
