"""Cross-field checks of the registration blocks (data flows against buffers and classification)."""

from __future__ import annotations

from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration
from airlock.spec.register import CLASSIFICATION_ORDER


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
        if flow.via == "privatelink" and integration.network is None:
            issues.append(
                SpecIssue(
                    (*base, "via"),
                    "'privatelink' but the integration has no network, so no endpoint to cross; add a network "
                    "block with vendor_endpoints or exposed_apis, or choose 'role' or 'drop-zone'",
                )
            )
    return issues


def flow_buffer(integration: Integration, flow_name: str) -> str | None:
    """The buffer a data flow passes through: its own, or for drop-zone flows the drop zone's notify_buffer."""
    for flow in integration.data_flows:
        if flow.name == flow_name:
            if flow.buffer is not None:
                return flow.buffer
            if flow.via == "drop-zone" and integration.drop_zone is not None:
                return integration.drop_zone.notify_buffer
            return None
    raise KeyError(flow_name)
