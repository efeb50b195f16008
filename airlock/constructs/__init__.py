"""Reusable L3 constructs of saas-airlock.

Usable on their own, without a spec: each takes aws-cdk-style keyword props, creates secure
defaults without being asked, and exposes the resources it makes as attributes.
"""

from airlock.constructs.buffer import IntegrationBuffer
from airlock.constructs.consumers import BufferConsumer, allow_core_consumers
from airlock.constructs.network import FLOW_LOG_FIELDS, FLOW_LOG_FORMAT, IsolatedVpc, split_cidr
from airlock.constructs.vendor_access import VendorAccessRole, VendorGrant

__all__ = [
    "FLOW_LOG_FIELDS",
    "FLOW_LOG_FORMAT",
    "BufferConsumer",
    "IntegrationBuffer",
    "IsolatedVpc",
    "VendorAccessRole",
    "VendorGrant",
    "allow_core_consumers",
    "split_cidr",
]
