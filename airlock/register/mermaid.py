"""The data-flow diagram of an integration, as a Mermaid flowchart.

vendor -> PrivateLink / role / drop zone -> (intermediate account) -> buffer -> core consumers;
outbound flows run the other way. Every label is quoted and escaped, node ids are derived from
names, so no spec value can break the diagram's syntax.
"""

from __future__ import annotations

import itertools
import re

from airlock.register.records import IntegrationRecord

_CHANNEL = {
    "privatelink": ("via_privatelink", '{{"PrivateLink"}}'),
    "role": ("via_role", '[/"vendor role"/]'),
    "drop-zone": ("via_drop_zone", '[("S3 drop zone")]'),
    "webhook": ("via_webhook", '[/"webhook endpoint<br/>WAF allow-list"/]'),
    "event-source": ("via_event_source", '[["EventBridge partner event bus"]]'),
}


def label(text: str) -> str:
    """Text for inside a double-quoted Mermaid label."""
    return (
        text.replace("&", "#amp;")
        .replace('"', "#quot;")
        .replace("<", "#lt;")
        .replace(">", "#gt;")
        .replace("\n", " ")
        .replace("|", "#124;")
    )


class _Ids:
    """Node ids from names: readable, and distinct even where two names differ only in punctuation."""

    def __init__(self) -> None:
        self._ids: dict[tuple[str, str], str] = {}

    def __call__(self, prefix: str, name: str) -> str:
        key = (prefix, name)
        if key not in self._ids:
            base = prefix + "_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
            taken = set(self._ids.values())
            candidate, n = base, 1
            while candidate in taken:
                n += 1
                candidate = f"{base}_{n}"
            self._ids[key] = candidate
        return self._ids[key]


def flowchart(record: IntegrationRecord) -> str:
    """The Mermaid source (without the ``` fence) of ``record``'s data flows."""
    account = record.account.id or "not yet created"
    lines = ["flowchart LR"]
    node_id = _Ids()
    vendor_accounts = ", ".join(record.vendor.account_ids)
    accounts = f"vendor accounts {label(vendor_accounts)}" if vendor_accounts else "no AWS account of its own"
    lines.append(f'  vendor["{label(record.vendor.name)}<br/>{accounts}"]')
    inside: list[str] = []
    consumers: list[str] = []
    edges: list[str] = []

    def add(items: list[str], item: str) -> None:
        if item not in items:
            items.append(item)

    for flow in record.data_flows:
        channel_id, shape = _CHANNEL[flow.via]
        add(inside, f"    {channel_id}{shape}")
        chain = [channel_id]
        if flow.buffer:
            buffer_id = node_id("buffer", flow.buffer)
            add(inside, f'    {buffer_id}[["buffer {label(flow.buffer)}<br/>SQS queue + DLQ"]]')
            chain.append(buffer_id)
        targets = []
        for consumer in flow.consumers or ["core consumers"]:
            consumer_node = node_id("core", consumer)
            add(consumers, f'    {consumer_node}["{label(consumer)}"]')
            targets.append(consumer_node)
        text = label(f"{flow.name} ({flow.classification})")
        arrow = "<-->" if flow.direction == "bidirectional" else "-->"
        if flow.direction == "outbound":
            for target in targets:
                add(edges, f"  {target} {arrow} {chain[-1]}")
            for later, earlier in itertools.pairwise(reversed(chain)):
                add(edges, f"  {later} {arrow} {earlier}")
            add(edges, f'  {chain[0]} {arrow}|"{text}"| vendor')
        else:
            add(edges, f'  vendor {arrow}|"{text}"| {chain[0]}')
            for earlier, later in itertools.pairwise(chain):
                add(edges, f"  {earlier} {arrow} {later}")
            for target in targets:
                add(edges, f"  {chain[-1]} {arrow} {target}")

    if not record.data_flows:
        for buffer in record.buffers:
            add(inside, f'    {node_id("buffer", buffer.name)}[["buffer {label(buffer.name)}<br/>SQS queue + DLQ"]]')
        if not inside:
            add(inside, '    account_node["no data flows declared"]')
        lines.extend([f'  subgraph account["intermediate account {label(account)}"]', *inside, "  end"])
        lines.append('  vendor -.-|"no data flows declared"| account')
        return "\n".join(lines) + "\n"

    lines.extend([f'  subgraph account["intermediate account {label(account)}"]', *inside, "  end"])
    lines.extend(['  subgraph core["core accounts"]', *consumers, "  end"])
    lines.extend(edges)
    return "\n".join(lines) + "\n"
