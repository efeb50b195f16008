"""The built-in checks; importing this package registers them."""

from airlock.verify.checks import (
    bootstrap,
    endpoints,
    logs,
    network,
    organization,
    ou_policies,
    queues,
    rcp,
    scp,
    stack,
    vendor_role,
)

__all__ = [
    "bootstrap",
    "endpoints",
    "logs",
    "network",
    "organization",
    "ou_policies",
    "queues",
    "rcp",
    "scp",
    "stack",
    "vendor_role",
]
