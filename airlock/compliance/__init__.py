"""Compliance: cdk-nag packs, acknowledgements and validation reports."""

from airlock.compliance.acknowledge import acknowledge
from airlock.compliance.packs import DEFAULT_PACKS, PACKS, attach_packs
from airlock.compliance.report import ComplianceResult, read_report

__all__ = ["DEFAULT_PACKS", "PACKS", "ComplianceResult", "acknowledge", "attach_packs", "read_report"]
