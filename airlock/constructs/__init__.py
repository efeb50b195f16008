"""Reusable L3 constructs of saas-airlock.

Usable on their own, without a spec: each takes aws-cdk-style keyword props, creates secure
defaults without being asked, and exposes the resources it makes as attributes.
"""

from airlock.constructs.buffer import IntegrationBuffer
from airlock.constructs.network import FLOW_LOG_FIELDS, FLOW_LOG_FORMAT, IsolatedVpc, split_cidr

__all__ = ["FLOW_LOG_FIELDS", "FLOW_LOG_FORMAT", "IntegrationBuffer", "IsolatedVpc", "split_cidr"]
