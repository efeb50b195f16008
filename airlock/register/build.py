"""Build the register from the spec, the account lock and (optionally) a synthesized assembly."""

from __future__ import annotations

from datetime import date
from typing import Any

from airlock.register.access import access_record, core_access_records
from airlock.register.assembly import (
    INTEGRATION_TAG,
    Assembly,
    StackTemplate,
    construct_path,
    physical_name,
    render_value,
    resource_tags,
    section_of,
)
from airlock.register.filtering import allowed_domains, network_rules
from airlock.register.guardrails import attachment, ou_chain
from airlock.register.handback import hand_back
from airlock.register.impact import az_ids_by_region, az_loss, region_loss
from airlock.register.records import (
    AccessEntryRecord,
    AccountRecord,
    AppRegistryRecord,
    BudgetRecord,
    BufferRecord,
    ComplianceRecord,
    DataFlowRecord,
    DropZoneRecord,
    EffectiveAccessRecord,
    EndpointRecord,
    EventSourceRecord,
    GuardrailRecord,
    ImpactRecord,
    IntegrationRecord,
    PerimeterExceptionRecord,
    PerimeterRecord,
    Register,
    ResourceRecord,
    ReviewRecord,
    RoleRecord,
    StackRecord,
    VendorNotificationRecord,
    VendorRecord,
    VendorResourcesRecord,
)
from airlock.register.reviews import review_state
from airlock.register.webhooks import webhook_records, webhook_urls
from airlock.spec import AccountLock, Integration, Organization, Spec
from airlock.spec.events_checks import event_rule_name, source_region
from airlock.spec.register_checks import flow_buffer
from airlock.stacks.integration import queue_base_name
from airlock.stacks.registration import application_name, budget_name, home_region


def build_register(
    spec: Spec,
    *,
    today: date,
    lock: AccountLock | None = None,
    assembly: Assembly | None = None,
    record_date: bool = False,
) -> Register:
    """The register of ``spec``; review status judged on ``today`` (recorded only with ``record_date``).

    Without an assembly the template-derived sections are empty and compliance is
    'not-synthesized'.
    """
    lock = lock or AccountLock()
    access = _effective_access(spec, lock, assembly)
    records = [_record(spec, integration, today, lock, assembly, access) for integration in spec.integrations]
    return Register(as_of=today if record_date else None, integrations=records)


def _effective_access(
    spec: Spec, lock: AccountLock, assembly: Assembly | None
) -> dict[str, list[EffectiveAccessRecord]]:
    """Each integration's vendor access as the access proof computes it from the assembly."""
    if assembly is None or assembly.outdir is None:
        return {}
    from airlock.access.assembly import read_stacks
    from airlock.access.effective import display_resource, effective_access
    from airlock.access.world import World

    world = World(read_stacks(assembly.outdir), spec, lock)
    out: dict[str, list[EffectiveAccessRecord]] = {}
    for integration in spec.integrations:
        out[integration.name] = [
            EffectiveAccessRecord(
                principal=result.principal,
                equal_to_grants=result.equal,
                allowed=[
                    AccessEntryRecord(
                        action=a.action, resource=display_resource(a.resource), via=a.via, context=a.context
                    )
                    for a in result.allowed
                ],
            )
            for result in effective_access(world, integration.name)
        ]
    return out


def _record(
    spec: Spec,
    integration: Integration,
    today: date,
    lock: AccountLock,
    assembly: Assembly | None,
    access: dict[str, list[EffectiveAccessRecord]],
) -> IntegrationRecord:
    stacks = assembly.stacks_of(integration.name) if assembly else []
    shared = assembly.shared_stacks() if assembly else []
    purposes = assembly.purposes if assembly else {}
    governs = {"name": integration.name, "account_id": lock.account_id(integration)}
    sections = _sections(stacks, shared, purposes, {**governs, "ous": ou_chain(spec.organization, integration)})
    create = integration.account.create
    state = review_state(integration, today)
    return IntegrationRecord(
        name=integration.name,
        description=integration.description,
        state=integration.state,
        owner=integration.owner,
        contact=integration.contact,
        cost_centre=integration.cost_centre,
        contract=integration.contract,
        data_classification=integration.data_classification,
        vendor=VendorRecord(name=integration.vendor.name, account_ids=list(integration.vendor.account_ids)),
        account=AccountRecord(
            id=lock.account_id(integration),
            provisioning="created" if create else "adopted",
            name=create.name if create else None,
        ),
        regions=list(integration.regions),
        home_region=home_region(integration),
        az_ids=az_ids_by_region(integration),
        network_cidr=integration.network.cidr if integration.network is not None else None,
        stacks=[
            StackRecord(name=s.name, account=s.account, region=s.region, resources=len(s.resources)) for s in stacks
        ],
        endpoints=[EndpointRecord(**r) for r in sections["endpoints"]],
        vendor_resources=[
            VendorResourcesRecord(account_id=v.account_id, services=list(v.services), reason=v.reason)
            for v in (integration.network.vendor_resources if integration.network is not None else ())
        ],
        roles=[RoleRecord(**r) for r in sections["roles"]],
        buffers=[_buffer(integration, b) for b in integration.buffers],
        drop_zone=(
            DropZoneRecord(
                prefixes=list(integration.drop_zone.prefixes),
                notify_buffer=integration.drop_zone.notify_buffer,
                notify_buffer_prefixes=integration.drop_zone.buffer_prefixes,
                notify_vendor=[
                    VendorNotificationRecord(arn=t.arn, prefixes=list(t.prefixes))
                    for t in integration.drop_zone.notify_vendor
                ],
                expire_after_days=integration.drop_zone.expire_after_days,
            )
            if integration.drop_zone
            else None
        ),
        event_sources=[
            EventSourceRecord(
                name=source.name,
                region=source_region(integration, position),
                buffer=source.buffer,
                rule_name=event_rule_name(source.buffer),
                event_pattern=source.pattern(),
            )
            for position, source in enumerate(integration.event_sources)
        ],
        access=access_record(spec.organization, integration, list(spec.integrations)),
        core_access=core_access_records(integration),
        data_flows=[
            DataFlowRecord(
                name=f.name,
                direction=f.direction,
                classification=f.classification,
                description=f.description,
                via=f.via,
                buffer=flow_buffer(integration, f.name),
                consumers=list(f.consumers),
            )
            for f in integration.data_flows
        ],
        webhooks=webhook_records(integration),
        guardrails=[GuardrailRecord(**r) for r in sections["guardrails"]],
        perimeter=perimeter_record(spec.organization, integration),
        filtering=[ResourceRecord(**r) for r in sections["filtering"]],
        network_rules=network_rules(stacks, purposes),
        allowed_domains=allowed_domains(stacks, purposes),
        hand_back=hand_back(stacks, webhook_urls(integration, stacks)),
        logging=[ResourceRecord(**r) for r in sections["logging"]],
        resilience=[ResourceRecord(**r) for r in sections["resilience"]],
        budget=(
            BudgetRecord(
                name=budget_name(integration),
                amount=integration.budget.amount,
                currency=integration.budget.currency,
                thresholds_percent=list(integration.budget.thresholds_percent),
                notify=list(integration.budget.notify or [integration.contact]),
                region=home_region(integration),
            )
            if integration.budget
            else None
        ),
        appregistry=AppRegistryRecord(
            application=application_name(integration),
            attribute_group=f"{application_name(integration)}-register",
            regions=list(integration.regions),
        ),
        review=ReviewRecord(
            status=state.status,
            last_assessed=state.last_assessed,
            interval=state.interval,
            next_review=state.next_review,
            days_left=state.days_left,
        ),
        deployment_impact=ImpactRecord(
            regions=list(integration.regions),
            home_region=home_region(integration),
            az_ids=az_ids_by_region(integration),
            az_loss=az_loss(integration),
            region_loss=region_loss(integration),
        ),
        compliance=_compliance(stacks, assembly),
        effective_access=access.get(integration.name) if access else None,
    )


def _buffer(integration: Integration, buffer: Any) -> BufferRecord:
    suffix = ".fifo" if buffer.fifo else ""
    base = queue_base_name(integration, buffer.name)
    return BufferRecord(
        name=buffer.name,
        fifo=buffer.fifo,
        queue_name=base + suffix,
        dead_letter_queue_name=base + "-dlq" + suffix,
        max_receive_count=buffer.max_receive_count,
        consumer_timeout_seconds=buffer.consumer_timeout_seconds,
        retention_seconds=buffer.retention_seconds,
        dlq_retention_seconds=buffer.dlq_retention_seconds,
    )


def _sections(
    stacks: list[StackTemplate],
    shared: list[StackTemplate],
    purposes: dict[tuple[str, str], str],
    governs: dict[str, Any],
) -> dict[str, list[dict[str, Any]]]:
    """Resources of the integration's stacks (and those of shared stacks tagged for it, and the
    SCPs attached to its account or its OUs), by register section. ``governs`` holds the
    integration's ``name``, ``account_id`` and ``ous`` (:func:`airlock.register.guardrails.attachment`)."""
    name = governs["name"]
    out: dict[str, list[dict[str, Any]]] = {
        key: [] for key in ("roles", "endpoints", "guardrails", "filtering", "logging", "resilience")
    }
    candidates: list[tuple[StackTemplate, str, dict[str, Any]]] = []
    for stack in stacks:
        candidates.extend((stack, lid, res) for lid, res in sorted(stack.resources.items()))
    for stack in shared:
        for lid, res in sorted(stack.resources.items()):
            owner = resource_tags(res).get(INTEGRATION_TAG)
            scp = section_of(res["Type"]) == "guardrails"
            if (owner == name and not scp) or (scp and attachment(res, stack, **governs) is not None):
                candidates.append((stack, lid, res))
    for stack, logical_id, resource in candidates:
        section = section_of(resource["Type"])
        if section is None:
            continue
        base = {
            "type": resource["Type"],
            "name": physical_name(resource),
            "path": construct_path(stack, logical_id, resource),
            "stack": stack.name,
            "logical_id": logical_id,
            "purpose": purposes.get((stack.name, logical_id)),
        }
        properties = resource.get("Properties", {})
        if section == "roles":
            base.update(_role(properties))
        elif section == "endpoints":
            base["service"] = render_value(properties.get("ServiceName"))
            base["endpoint_type"] = render_value(properties.get("VpcEndpointType"))
        elif section == "guardrails":
            base["policy_type"] = render_value(properties.get("Type"))
            base["description"] = render_value(properties.get("Description"))
            base["attached_to"] = attachment(resource, stack, **governs)
        out[section].append(base)
    for entries in out.values():
        entries.sort(key=lambda r: (r["stack"], r["path"], r["type"]))
    return out


def perimeter_record(organization: Organization, integration: Integration) -> PerimeterRecord:
    """The account's RCP settings from the spec: on or opted out (with why), and each exception."""
    settings = organization.perimeter
    declared = integration.perimeter
    exceptions = [
        PerimeterExceptionRecord(subject=e.account_id, kind="trusted_account", reason=e.reason)
        for e in declared.trusted_accounts
    ] + [
        PerimeterExceptionRecord(subject=e.arn, kind="excluded_resource", reason=e.reason)
        for e in declared.excluded_resources
    ]
    enabled = settings.resource_control_policies
    return PerimeterRecord(
        resource_control_policies=enabled,
        ec2_declarative_policy=settings.ec2_declarative_policy,
        tag_policy=settings.tag_policy,
        opt_out_reason=settings.opt_out.reason if settings.opt_out is not None else None,
        trusted_accounts=sorted({*integration.vendor.account_ids, *(e.account_id for e in declared.trusted_accounts)})
        if enabled
        else [],
        exceptions=exceptions,
    )


def _role(properties: dict[str, Any]) -> dict[str, Any]:
    principals: set[str] = set()
    conditions: set[str] = set()
    document = properties.get("AssumeRolePolicyDocument", {})
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal", {})
        if isinstance(principal, str):
            principals.add(principal)
        elif isinstance(principal, dict):
            for kind, values in principal.items():
                for value in values if isinstance(values, list) else [values]:
                    principals.add(f"{kind}:{render_value(value)}")
        for operator in (statement.get("Condition") or {}).values():
            if isinstance(operator, dict):
                conditions.update(operator)
    session = properties.get("MaxSessionDuration")
    return {
        "trusted_principals": sorted(principals),
        "trust_condition_keys": sorted(conditions),
        "max_session_seconds": session if isinstance(session, int) else None,
        "permissions_boundary": "PermissionsBoundary" in properties,
    }


def _compliance(stacks: list[StackTemplate], assembly: Assembly | None) -> ComplianceRecord:
    if assembly is None or not stacks:
        return ComplianceRecord(status="not-synthesized", packs=[], findings=[], acknowledged=0)
    findings = sorted(f"{rule} at {path}" for s in stacks for rule, path in assembly.findings.get(s.name, []))
    acknowledged = sum(len(assembly.acknowledged.get(s.name, [])) for s in stacks)
    return ComplianceRecord(
        status="failed" if findings else "passed",
        packs=list(assembly.packs),
        findings=findings,
        acknowledged=acknowledged,
    )
