"""Reusable L3 constructs of saas-airlock.

Usable on their own, without a spec: each takes aws-cdk-style keyword props, creates secure
defaults without being asked, and exposes the resources it makes as attributes.
"""

from airlock.constructs.buffer import IntegrationBuffer
from airlock.constructs.consumers import BufferConsumer, BufferProducer, allow_core_consumers, allow_core_producers
from airlock.constructs.core_files import DropZoneReader, DropZoneWriter
from airlock.constructs.dns_firewall import DnsFirewall, vpc_internal_domains
from airlock.constructs.drop_zone import DropZone, VendorNotificationTarget
from airlock.constructs.egress import EgressLayout, FilteredEgress, egress_layout
from airlock.constructs.events import PartnerEventDelivery
from airlock.constructs.network import (
    FLOW_LOG_FIELDS,
    FLOW_LOG_FORMAT,
    IsolatedVpc,
    default_security_group_users,
    split_cidr,
)
from airlock.constructs.observability import IntegrationMonitoring
from airlock.constructs.privatelink import ExposedService, VendorEndpoint, endpoint_security_group, port_ranges
from airlock.constructs.privatelink_dns import VendorHostedZone, ZoneRecord
from airlock.constructs.service_endpoints import ServiceEndpoints, endpoint_policy
from airlock.constructs.vendor_access import VendorAccessRole, VendorGrant
from airlock.constructs.webhook import VendorWebhook

__all__ = [
    "FLOW_LOG_FIELDS",
    "FLOW_LOG_FORMAT",
    "BufferConsumer",
    "BufferProducer",
    "DnsFirewall",
    "DropZone",
    "DropZoneReader",
    "DropZoneWriter",
    "EgressLayout",
    "ExposedService",
    "FilteredEgress",
    "IntegrationBuffer",
    "IntegrationMonitoring",
    "IsolatedVpc",
    "PartnerEventDelivery",
    "ServiceEndpoints",
    "VendorAccessRole",
    "VendorEndpoint",
    "VendorGrant",
    "VendorHostedZone",
    "VendorNotificationTarget",
    "VendorWebhook",
    "ZoneRecord",
    "allow_core_consumers",
    "allow_core_producers",
    "default_security_group_users",
    "egress_layout",
    "endpoint_policy",
    "endpoint_security_group",
    "port_ranges",
    "split_cidr",
    "vpc_internal_domains",
]
