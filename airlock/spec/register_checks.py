"""Cross-field checks of the registration blocks (data flows against buffers and classification)."""

from __future__ import annotations

from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration
from airlock.spec.register import CLASSIFICATION_ORDER, DataFlow


def register_checks(index: int, integration: Integration) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    buffers = [buffer.name for buffer in integration.buffers]
    highest = CLASSIFICATION_ORDER.index(integration.data_classification)
    seen: dict[str, int] = {}
    for position, flow in enumerate(integration.data_flows):
        base: Loc = ("integrations", index, "data_flows", position)
        if flow.name in seen:
            issues.append(
                SpecIssue(
                    (*base, "name"),
                    f"'{flow.name}' is already the name of data_flows[{seen[flow.name]}]; give each flow its own name",
                )
            )
        seen.setdefault(flow.name, position)
        if CLASSIFICATION_ORDER.index(flow.classification) > highest:
            issues.append(
                SpecIssue(
                    (*base, "classification"),
                    f"'{flow.classification}' is above the integration's data_classification "
                    f"'{integration.data_classification}'; raise data_classification or correct the flow",
                )
            )
        if flow.buffer is not None and flow.buffer not in buffers:
            issues.append(
                SpecIssue(
                    (*base, "buffer"),
                    f"'{flow.buffer}' is not a buffer of this integration; use one of {buffers} or add that buffer",
                )
            )
        if flow.via == "drop-zone" and integration.drop_zone is None:
            issues.append(
                SpecIssue(
                    (*base, "via"),
                    "'drop-zone' but the integration has no drop_zone; add a drop_zone block or choose "
                    "'privatelink' or 'role'",
                )
            )
        if flow.via == "webhook":
            issues.extend(_webhook_flow(flow, base, integration))
        if flow.via == "event-source":
            issues += _event_source_flow(base, integration, flow.buffer)
        if flow.via == "privatelink" and integration.network is None:
            issues.append(
                SpecIssue(
                    (*base, "via"),
                    "'privatelink' but the integration has no network, so no endpoint to cross; add a network "
                    "block with vendor_endpoints or exposed_apis, or choose 'role' or 'drop-zone'",
                )
            )
    return issues


def _webhook_flow(flow: DataFlow, base: Loc, integration: Integration) -> list[SpecIssue]:
    """A 'webhook' flow needs a webhook, runs inbound, and names (if any) a buffer a webhook delivers to."""
    delivered = sorted({webhook.buffer for webhook in integration.webhooks})
    if not delivered:
        return [
            SpecIssue(
                (*base, "via"),
                "'webhook' but the integration declares no webhooks; add a webhooks entry or choose 'privatelink', "
                "'role' or 'drop-zone'",
            )
        ]
    issues = []
    if flow.direction != "inbound":
        issues.append(
            SpecIssue(
                (*base, "direction"),
                f"'{flow.direction}' but a webhook only carries deliveries from the vendor; write 'inbound'",
            )
        )
    if flow.buffer is not None and flow.buffer not in delivered:
        issues.append(
            SpecIssue(
                (*base, "buffer"),
                f"'{flow.buffer}' receives no webhook deliveries; name one of {delivered} or leave buffer out",
            )
        )
    return issues


def _event_source_flow(base: Loc, integration: Integration, buffer: str | None) -> list[SpecIssue]:
    targets = sorted({source.buffer for source in integration.event_sources})
    if not targets:
        return [
            SpecIssue(
                (*base, "via"),
                "'event-source' but the integration has no event_sources; declare the vendor's partner event "
                "source in event_sources or choose 'privatelink', 'role' or 'drop-zone'",
            )
        ]
    if buffer is None and len(targets) > 1:
        return [
            SpecIssue(
                (*base, "buffer"),
                f"the event sources deliver to {targets}; name the buffer this flow passes through, e.g. "
                f"buffer: {targets[0]}",
            )
        ]
    if buffer is not None and buffer not in targets:
        return [
            SpecIssue(
                (*base, "buffer"),
                f"'{buffer}' receives no partner events (the event sources deliver to {targets}); use one of them",
            )
        ]
    return []


def flow_buffer(integration: Integration, flow_name: str) -> str | None:
    """The buffer a data flow passes through: its own, or for drop-zone flows the drop zone's notify_buffer."""
    for flow in integration.data_flows:
        if flow.name == flow_name:
            if flow.buffer is not None:
                return flow.buffer
            if flow.via == "drop-zone" and integration.drop_zone is not None:
                return integration.drop_zone.notify_buffer
            targets = sorted({source.buffer for source in integration.event_sources})
            if flow.via == "event-source" and len(targets) == 1:
                return targets[0]
            if flow.via == "webhook" and integration.webhooks:
                return integration.webhooks[0].buffer
            return None
    raise KeyError(flow_name)
