"""Static facts about AWS commercial regions, so that synthesis never asks AWS.

AZ IDs (``euc1-az1``) name the same physical zone in every account, unlike AZ names
(``eu-central-1a``), whose mapping differs per account. Each region's AZ IDs share a
prefix; the table below is what lets the spec check that an AZ ID belongs to its region.
"""

from __future__ import annotations

import re

#: Region -> AZ ID prefix (``<prefix>-az<N>``).
AZ_ID_PREFIX: dict[str, str] = {
    "af-south-1": "afs1",
    "ap-east-1": "ape1",
    "ap-east-2": "ape2",
    "ap-northeast-1": "apne1",
    "ap-northeast-2": "apne2",
    "ap-northeast-3": "apne3",
    "ap-south-1": "aps1",
    "ap-south-2": "aps2",
    "ap-southeast-1": "apse1",
    "ap-southeast-2": "apse2",
    "ap-southeast-3": "apse3",
    "ap-southeast-4": "apse4",
    "ap-southeast-5": "apse5",
    "ap-southeast-7": "apse7",
    "ca-central-1": "cac1",
    "ca-west-1": "caw1",
    "eu-central-1": "euc1",
    "eu-central-2": "euc2",
    "eu-north-1": "eun1",
    "eu-south-1": "eus1",
    "eu-south-2": "eus2",
    "eu-west-1": "euw1",
    "eu-west-2": "euw2",
    "eu-west-3": "euw3",
    "il-central-1": "ilc1",
    "me-central-1": "mec1",
    "me-south-1": "mes1",
    "mx-central-1": "mxc1",
    "sa-east-1": "sae1",
    "us-east-1": "use1",
    "us-east-2": "use2",
    "us-west-1": "usw1",
    "us-west-2": "usw2",
}

KNOWN_REGIONS: tuple[str, ...] = tuple(sorted(AZ_ID_PREFIX))

_AZ_ID = re.compile(r"^(?P<prefix>[a-z]{3,5}\d)-az(?P<number>\d{1,2})$")
_AZ_NAME = re.compile(r"^(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)(?P<letter>[a-z])$")


def region_of_az_id(az_id: str) -> str | None:
    """Return the region an AZ ID belongs to, or None if it is not a known AZ ID."""
    match = _AZ_ID.match(az_id)
    if not match:
        return None
    prefix = match.group("prefix")
    for region, known in AZ_ID_PREFIX.items():
        if known == prefix:
            return region
    return None


def looks_like_az_name(value: str) -> bool:
    """True for AZ *names* such as ``eu-central-1a`` (which the spec must not use)."""
    return bool(_AZ_NAME.match(value))


def is_az_id_shape(value: str) -> bool:
    return bool(_AZ_ID.match(value))
