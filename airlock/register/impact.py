"""Deployment impact: where an integration runs, and what the loss of an AZ or a region breaks."""

from __future__ import annotations

from airlock.spec import Integration
from airlock.spec.regions import region_of_az_id


def az_ids_by_region(integration: Integration) -> dict[str, list[str]]:
    az_ids = integration.network.az_ids if integration.network is not None else []
    return {region: [az for az in az_ids if region_of_az_id(az) == region] for region in integration.regions}


def az_loss(integration: Integration) -> list[str]:
    """One sentence per region: what losing one of its AZs breaks."""
    out = []
    for region, az_ids in az_ids_by_region(integration).items():
        others = len(az_ids) - 1
        rest = "the other AZ keeps" if others == 1 else f"the other {others} AZs keep"
        out.append(
            f"{region}: losing one of {', '.join(az_ids)} takes down its subnet and what is placed in it "
            f"(interface endpoints, firewall endpoints); {rest} serving. Queues, the drop zone and roles are "
            "regional and unaffected."
        )
    return out


def region_loss(integration: Integration) -> list[str]:
    """One sentence per region: what losing it breaks."""
    regions = list(integration.regions)
    home = regions[0]
    parts = []
    if integration.buffers:
        parts.append(f"buffers {', '.join(b.name for b in integration.buffers)}")
    if integration.drop_zone is not None:
        parts.append("the drop zone")
    held = f"the VPC{', ' + ', '.join(parts) if parts else ''}"
    out = []
    for region in regions:
        others = [r for r in regions if r != region]
        if others:
            text = (
                f"{region}: {held} in {region} stop; the integration keeps running in {', '.join(others)}, "
                "where vendor and consumers must switch over."
            )
        else:
            text = (
                f"{region}: the integration stops: {held} exist only there. Messages already buffered wait "
                "(up to their retention) until the region returns; the vendor cannot deliver meanwhile."
            )
        if region == home:
            text += " The budget and other account-wide resources live here; their notifications pause too."
        out.append(text)
    return out
