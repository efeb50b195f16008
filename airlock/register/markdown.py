"""Markdown pages of the register: one per integration, and an index with review status."""

from __future__ import annotations

import json
from collections.abc import Sequence

from airlock.register.mermaid import flowchart
from airlock.register.records import GrantRecord, IntegrationRecord, Register, ResourceRecord

NONE = "_none in the synthesized stacks_"
_STATUS = {
    "current": "current",
    "due-soon": "due soon",
    "overdue": "**OVERDUE**",
    "not-assessed": "**NOT ASSESSED**",
}


def cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ") or "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], empty: str = NONE) -> list[str]:
    if not rows:
        return [empty, ""]
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out.extend("| " + " | ".join(cell(v) for v in row) + " |" for row in rows)
    return [*out, ""]


def review_text(record: IntegrationRecord) -> str:
    review = record.review
    status = _STATUS[review.status]
    if review.status == "not-assessed":
        return f"{status}: no assessment recorded"
    due = f"next due {review.next_review}"
    if review.days_left is not None and review.days_left < 0:
        due += f", {-review.days_left} days ago"
    return f"{status}: last assessed {review.last_assessed}, every {review.interval}, {due}"


RESOURCE_HEADERS = ["resource", "logical id", "type", "physical name", "stack"]


def named(resource: ResourceRecord) -> str:
    """A resource by its purpose; its physical name or type when no spec field made it."""
    return resource.purpose or resource.name or resource.type


def _resources(rows: list[ResourceRecord]) -> list[list[object]]:
    return [[named(r), r.logical_id, r.type, r.name, r.stack] for r in rows]


def filtering_lines(record: IntegrationRecord) -> list[str]:
    lines = ["Network rules (security groups):", ""]
    lines += table(
        ["guards", "direction", "protocol", "ports", "ranges", "logical id"],
        [
            [r.purpose or r.logical_id, r.direction, r.protocol, r.ports, ", ".join(r.ranges), r.logical_id]
            for r in record.network_rules
        ],
    )
    lines += ["Allowed domains (everything else is blocked):", ""]
    lines += table(
        ["filter", "kind", "domains", "logical id"],
        [
            [
                d.purpose or d.logical_id,
                d.kind + (f" (CNAME targets {d.cname_targets})" if d.cname_targets else ""),
                ", ".join(d.domains),
                d.logical_id,
            ]
            for d in record.allowed_domains
        ],
        empty="_no DNS or egress allow-list in the synthesized stacks_",
    )
    lines += ["Filtering resources (policies, security groups, firewalls; their types are in integrations.json):", ""]
    return lines + table(
        ["resource", "logical id", "physical name", "stack"],
        [[named(r), r.logical_id, r.name, r.stack] for r in record.filtering],
    )


def access_tables(record: IntegrationRecord) -> list[str]:
    """Who may assume the vendor role, the external ID's governance, and each grant's exact actions."""
    lines: list[str] = []
    access = record.access
    if access is not None:
        lines += table(
            ["trusted principal", "kind", "reason"],
            [[p.principal, p.kind, p.reason] for p in access.principals],
        )
        external = access.external_id
        if external is not None:
            shared = f"; shared with {', '.join(external.shared_with)}" if external.shared_with else ""
            lines += [
                f"External ID: issued by the {external.issued_by}, declared in {external.declared_in}, "
                f"{external.length} characters (at least {external.min_length}){shared}."
                + (" The role may assume itself." if access.self_assume else ""),
                "",
            ]
        lines += table(
            ["grant", "target", "actions", "key actions", "scope", "requires"],
            [_grant_row(g) for g in access.grants],
            empty="_no grants_",
        )
    lines += table(
        ["core role", "grant", "target", "actions", "key actions", "scope"],
        [[c.role, *_grant_row(c)[:5]] for c in record.core_access],
        empty="_no core consumers or producers_",
    )
    return lines


def hand_back_lines(record: IntegrationRecord) -> list[str]:
    lines = ["## What to hand back", ""]
    if not record.hand_back:
        return [*lines, "_nothing: no stack of this integration has an output for the vendor_", ""]
    stacks = sorted({h.stack for h in record.hand_back})
    lines += [
        "After deployment, read these outputs (`aws cloudformation describe-stacks --stack-name "
        f"{stacks[0]} --query 'Stacks[0].Outputs'`) and send them to the vendor; never the external ID.",
        "",
    ]
    if any(h.value for h in record.hand_back):
        rows = [[h.output, h.what, h.stack, h.value or "the output's value"] for h in record.hand_back]
        return lines + table(["output", "what it is", "stack", "value"], rows)
    return lines + table(["output", "what it is", "stack"], [[h.output, h.what, h.stack] for h in record.hand_back])


def _grant_row(grant: GrantRecord) -> list[object]:
    requires = ", ".join(f"{key} = {value}" for key, value in grant.requires.items())
    return [grant.kind, grant.target, ", ".join(grant.actions), ", ".join(grant.key_actions), grant.scope, requires]


def integration_page(record: IntegrationRecord) -> str:
    budget = record.budget
    compliance = record.compliance
    lines = [f"# {record.name}: {record.vendor.name}", ""]
    if record.description:
        lines += [record.description, ""]
    lines += table(
        ["", ""],
        [
            ["owner", f"{record.owner} ({record.contact})"],
            ["vendor", f"{record.vendor.name} ({_vendor_accounts(record.vendor.account_ids)})"],
            [
                "intermediate account",
                f"{record.account.id or 'not yet created'} ({record.account.provisioning})",
            ],
            ["state", record.state],
            ["data classification", record.data_classification],
            ["cost centre", record.cost_centre],
            ["contract", record.contract],
            ["regions", ", ".join(record.regions) + f" (home: {record.home_region})"],
            ["network", record.network_cidr or "none (no VPC: the vendor only assumes a role or delivers events)"],
            ["review", review_text(record)],
            [
                "budget",
                f"{budget.amount:g} {budget.currency} a month; notifies {', '.join(budget.notify)} at "
                + ", ".join(f"{t:g} %" for t in budget.thresholds_percent)
                if budget
                else "**none**",
            ],
            [
                "compliance",
                f"{compliance.status}; {len(compliance.findings)} findings, {compliance.acknowledged} acknowledged",
            ],
            [
                "AppRegistry",
                f"application {record.appregistry.application}, attribute group "
                f"{record.appregistry.attribute_group} ({', '.join(record.appregistry.regions)})",
            ],
        ],
    )
    lines += ["## Data flows", "", "```mermaid", flowchart(record).rstrip("\n"), "```", ""]
    lines += table(
        ["flow", "direction", "classification", "via", "buffer", "consumers", "description"],
        [
            [f.name, f.direction, f.classification, f.via, f.buffer, ", ".join(f.consumers), f.description]
            for f in record.data_flows
        ],
        empty="_no data flows declared in the spec_",
    )
    lines += ["## Access", ""]
    lines += table(
        ["vendor account"], [[a] for a in record.vendor.account_ids], empty="_the vendor has no AWS account here_"
    )
    lines += access_tables(record)
    lines += table(
        ["role", "logical id", "trusted principals", "trust conditions", "max session (s)", "boundary", "stack"],
        [
            [
                named(r),
                r.logical_id,
                ", ".join(r.trusted_principals),
                ", ".join(r.trust_condition_keys),
                r.max_session_seconds,
                "yes" if r.permissions_boundary else "no",
                r.stack,
            ]
            for r in record.roles
        ],
        empty="Roles: " + NONE,
    )
    if record.effective_access is None:
        lines += ["What the vendor can do: _not computed (the register was built without a cloud assembly)_", ""]
    for access in record.effective_access or []:
        verdict = (
            "exactly its grants" if access.equal_to_grants else "**more or less than its grants: see airlock check**"
        )
        lines += [f"What `{access.principal}` can do (proven from the templates, {verdict}):", ""]
        lines += table(
            ["action", "resource", "through"],
            [[a.action, a.resource, a.via] for a in access.allowed],
            empty="_nothing_",
        )
    lines += table(
        ["endpoint", "logical id", "type", "service", "stack"],
        [[named(e), e.logical_id, e.endpoint_type or e.type, e.service, e.stack] for e in record.endpoints],
        empty="Endpoints: " + NONE,
    )
    if record.vendor_resources:
        lines += table(
            ["vendor resource account", "through the endpoints", "reason"],
            [[v.account_id, ", ".join(v.services), v.reason] for v in record.vendor_resources],
        )
    lines += webhook_lines(record)
    lines += hand_back_lines(record)
    lines += ["## Filtering", ""]
    lines += filtering_lines(record)
    lines += ["## Guardrails", ""]
    lines += table(
        ["policy", "attached to", "type", "description", "logical id", "stack"],
        [[g.name, g.attached_to, g.policy_type, g.description, g.logical_id, g.stack] for g in record.guardrails],
    )
    perimeter = record.perimeter
    if perimeter.resource_control_policies:
        admitted = ", ".join(perimeter.trusted_accounts)
        lines += [f"Data perimeter (RCPs): on; admits the organisation and {admitted}.", ""]
    else:
        lines += ["Data perimeter (RCPs): **off**.", ""]
    lines += [f"EC2 declarative policy: {'on' if perimeter.ec2_declarative_policy else '**off**'}.", ""]
    lines += [f"Tag policy: {'on' if perimeter.tag_policy else '**off**'}.", ""]
    if perimeter.opt_out_reason:
        lines += [f"Opted out: {perimeter.opt_out_reason}", ""]
    lines += table(
        ["perimeter exception", "kind", "reason"],
        [[e.subject, e.kind, e.reason] for e in perimeter.exceptions],
        empty="Perimeter exceptions: _none declared_",
    )
    lines += ["## Logging", ""]
    lines += table(RESOURCE_HEADERS, _resources(record.logging))
    lines += ["## Resilience", ""]
    lines += table(
        ["buffer", "queue", "dead-letter queue", "max receives", "consumer timeout (s)", "retention (s)"],
        [
            [
                b.name,
                b.queue_name,
                b.dead_letter_queue_name,
                b.max_receive_count,
                b.consumer_timeout_seconds,
                b.retention_seconds,
            ]
            for b in record.buffers
        ],
        empty="_no buffers_",
    )
    if record.drop_zone:
        zone = record.drop_zone
        lines += table(
            ["drop zone prefixes", "notifies buffer", "objects expire after (days)"],
            [[", ".join(zone.prefixes), zone.notify_buffer, zone.expire_after_days]],
        )
        if zone.notify_vendor:
            lines += table(
                ["prefixes", "notify the vendor's own queue or topic (its policy is the vendor's)"],
                [[", ".join(t.prefixes), t.arn] for t in zone.notify_vendor],
            )
    if record.event_sources:
        lines += table(
            ["partner event source (and bus)", "region", "rule", "event pattern", "buffer"],
            [
                [s.name, s.region, s.rule_name, json.dumps(s.event_pattern, sort_keys=True), s.buffer]
                for s in record.event_sources
            ],
        )
    lines += table(RESOURCE_HEADERS, _resources(record.resilience))
    impact = record.deployment_impact
    lines += ["## Deployment impact", ""]
    lines += table(
        ["region", "AZ IDs"],
        [[r + (" (home)" if r == impact.home_region else ""), ", ".join(a)] for r, a in impact.az_ids.items()],
    )
    lines += ["Loss of an AZ:", ""] + [f"- {text}" for text in impact.az_loss] + [""]
    lines += ["Loss of a region:", ""] + [f"- {text}" for text in impact.region_loss] + [""]
    lines += ["## Stacks", ""]
    lines += table(
        ["stack", "account", "region", "resources"],
        [[s.name, s.account, s.region, s.resources] for s in record.stacks],
        empty="_not synthesized (the intermediate account's id is not known yet)_",
    )
    if compliance.findings:
        lines += ["## Open compliance findings", ""] + [f"- {f}" for f in compliance.findings] + [""]
    return "\n".join(lines).rstrip("\n") + "\n"


def index_page(register: Register) -> str:
    overdue = [r for r in register.integrations if r.review.status in ("overdue", "not-assessed")]
    judged = f" on {register.as_of}" if register.as_of else ""
    lines = [
        "# Integration register",
        "",
        f"{len(register.integrations)} integrations; reviews judged{judged}: "
        + (f"**{len(overdue)} overdue or never assessed**" if overdue else "none overdue")
        + ".",
        "",
    ]
    lines += table(
        [
            "integration",
            "vendor",
            "owner",
            "classification",
            "account",
            "regions",
            "next review",
            "review",
            "budget",
            "compliance",
        ],
        [
            [
                f"[{r.name}](integrations/{r.name}.md)",
                r.vendor.name,
                r.owner,
                r.data_classification,
                r.account.id or "not yet created",
                ", ".join(r.regions),
                r.review.next_review,
                _STATUS[r.review.status],
                f"{r.budget.amount:g} {r.budget.currency}" if r.budget else "none",
                r.compliance.status,
            ]
            for r in register.integrations
        ],
        empty="_no integrations in the spec_",
    )
    lines += [
        "Files: `integrations.json` (schema: `airlock-register.schema.json` in the saas-airlock repository's "
        "`schema/`), `catalog-info.yaml` (Backstage entities), `integrations/<name>.md` (one page each).",
    ]
    return "\n".join(lines) + "\n"


def _vendor_accounts(accounts: list[str]) -> str:
    return f"AWS accounts {', '.join(accounts)}" if accounts else "no AWS account: it only pushes webhooks"


def webhook_lines(record: IntegrationRecord) -> list[str]:
    """The webhooks with their allow-lists, and what to hand back to the vendor; nothing without webhooks."""
    if not record.webhooks:
        return []
    lines = ["## Webhooks", ""]
    lines += table(
        ["webhook", "buffer", "POST path", "allow-list (WAF IP set and resource policy)", "required headers", "body"],
        [
            [
                w.name + (" (suspended: nothing allowed)" if w.suspended else ""),
                w.buffer,
                f"/{w.stage}/{w.path}",
                ", ".join(w.source_ranges),
                ", ".join(w.required_headers) or "none",
                "JSON, validated against the declared schema" if w.body_schema else "JSON",
            ]
            for w in record.webhooks
        ],
    )
    groups = sorted({g for w in record.webhooks for g in w.managed_rule_groups})
    lines += [
        "Every other address meets the web ACL's default Block and the resource policy's implicit deny; "
        f"before the allow-list the web ACL applies {', '.join(groups) or 'no managed rule groups'}. "
        "The vendor's signature header is not checked here: the consumer verifies it.",
        "",
    ]
    return lines
