"""Organization management policies of the dedicated OU: the EC2 declarative policy and the tag policy.

Plain documents (no CDK): the organization stack attaches them to the dedicated OU.

* :func:`ec2_declarative_document` (type ``DECLARATIVE_POLICY_EC2``; attribute names from the
  AWS Organizations User Guide, "Declarative policy syntax and examples",
  https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_declarative_syntax.html):
  VPC Block Public Access in bidirectional mode, IMDSv2 required by default for new
  instances, no public sharing of AMIs and EBS snapshots, the EC2 serial console off. The
  account administrators cannot change these settings in the accounts.
* :func:`tag_policy_document` (type ``TAG_POLICY``): the mandatory ``airlock:*`` tag keys with
  their capitalisation and, where the spec fixes them, their allowed values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: Name of the EC2 declarative policy of the dedicated OU.
EC2_POLICY_NAME = "airlock-ec2-baseline"
#: Name of the tag policy of the dedicated OU.
TAG_POLICY_NAME = "airlock-tags"


def _assign(value: str) -> dict[str, str]:
    return {"@@assign": value}


def ec2_declarative_document(*, exclusions_allowed: bool) -> dict[str, Any]:
    """The EC2 baseline of every intermediate account.

    ``exclusions_allowed`` lets an account create VPC BPA exclusions; airlock creates them only
    for the NAT subnets of declared filtered egress, and the ``deny-internet-gateway``
    guardrail lets only those accounts' deployment roles create or change exclusions.
    """
    return {
        "ec2_attributes": {
            "vpc_block_public_access": {
                "internet_gateway_block": {
                    "mode": _assign("block_bidirectional"),
                    "exclusions_allowed": _assign("enabled" if exclusions_allowed else "disabled"),
                }
            },
            "instance_metadata_defaults": {
                "http_tokens": _assign("required"),
                "http_put_response_hop_limit": _assign("2"),
                "http_endpoint": _assign("enabled"),
                "instance_metadata_tags": _assign("disabled"),
            },
            "image_block_public_access": {"state": _assign("block_new_sharing")},
            "snapshot_block_public_access": {"state": _assign("block_all_sharing")},
            "serial_console_access": {"status": _assign("disabled")},
            "exception_message": _assign(
                "Blocked by the saas-airlock EC2 baseline of this OU (docs/guardrails.md, EC2 declarative policy)."
            ),
        }
    }


def tag_policy_document(keys: Sequence[str], allowed_values: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """A tag policy that fixes the capitalisation of ``keys`` and, for those in
    ``allowed_values``, the values the tag may take (``@@assign`` of the key and its values,
    AWS Organizations User Guide, "Tag policy syntax")."""
    tags: dict[str, Any] = {}
    for key in sorted(keys):
        entry: dict[str, Any] = {"tag_key": _assign(key)}
        values = allowed_values.get(key)
        if values:
            entry["tag_value"] = {"@@assign": sorted(set(values))}
        tags[key.lower()] = entry
    return {"tags": tags}
