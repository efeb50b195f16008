"""The built-in checks; importing this package registers them."""

from airlock.verify.checks import endpoints, logs, network, organization, queues, scp, stack, vendor_role

__all__ = ["endpoints", "logs", "network", "organization", "queues", "scp", "stack", "vendor_role"]
