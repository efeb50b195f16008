"""Reusable L3 constructs of saas-airlock.

Usable on their own, without a spec: each takes aws-cdk-style keyword props, creates secure
defaults without being asked, and exposes the resources it makes as attributes.
"""

from airlock.constructs.buffer import IntegrationBuffer
from airlock.constructs.drop_zone import DropZone
from airlock.constructs.network import FLOW_LOG_FIELDS, FLOW_LOG_FORMAT, IsolatedVpc, split_cidr
from airlock.constructs.observability import IntegrationMonitoring

__all__ = [
    "FLOW_LOG_FIELDS",
    "FLOW_LOG_FORMAT",
    "DropZone",
    "IntegrationBuffer",
    "IntegrationMonitoring",
    "IsolatedVpc",
    "split_cidr",
]
