"""Compliance: packs (cdk-nag, AirlockChecks, Control Tower), acknowledgements, reports."""

from airlock.compliance.acknowledge import PROJECT_OWNER, acknowledge, acknowledgement_id
from airlock.compliance.control_tower import ControlTowerChecks
from airlock.compliance.declare import declare_filtered_egress, declare_mandatory_tags
from airlock.compliance.packs import ALWAYS_ON, DEFAULT_PACKS, PACKS, attach_packs, selected_packs
from airlock.compliance.report import ComplianceResult, Finding, read_report

__all__ = [
    "ALWAYS_ON",
    "DEFAULT_PACKS",
    "PACKS",
    "PROJECT_OWNER",
    "ComplianceResult",
    "ControlTowerChecks",
    "Finding",
    "acknowledge",
    "acknowledgement_id",
    "attach_packs",
    "declare_filtered_egress",
    "declare_mandatory_tags",
    "read_report",
    "selected_packs",
]
