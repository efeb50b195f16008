"""Vendors the organisation works with across several integrations, and the external ID each role requires.

Some vendors use one external ID for every role a customer gives them (the ID is their account
or workspace id for that customer). Such an ID is declared once, in ``organization.vendors``,
and every integration whose ``vendor.name`` is that vendor's requires it; it may appear nowhere
else. Every other integration declares its own ID in ``access.external_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import Field

from airlock.spec.access import DEFAULT_EXTERNAL_ID_MIN_LENGTH, ExternalId, ExternalIdIssuer
from airlock.spec.base import SpecModel

if TYPE_CHECKING:
    from airlock.spec.models import Integration, Organization


class SharedVendor(SpecModel):
    """A vendor with one external ID for all of the organisation's integrations with it."""

    name: str = Field(
        min_length=1,
        max_length=128,
        description="The vendor's name, exactly as the integrations write it in vendor.name.",
    )
    external_id: ExternalId = Field(
        description="The external ID the vendor uses for every role of this organisation (e.g. the vendor's "
        "account id for you); every integration with this vendor requires it."
    )
    external_id_issued_by: ExternalIdIssuer = Field(
        default="vendor",
        description="Who generated the ID: 'vendor' (the usual case) or 'organization'.",
    )


@dataclass(frozen=True)
class ExternalIdPolicy:
    """The external ID an integration's role requires, and where it comes from."""

    value: str | None
    issued_by: ExternalIdIssuer
    min_length: int
    #: ``access`` or ``organization.vendors[<n>]``.
    declared_in: str
    #: Other integrations that require the same (shared) ID.
    shared_with: tuple[str, ...] = ()


def shared_vendor(organization: Organization | None, integration: Integration) -> tuple[int, SharedVendor] | None:
    """The entry of ``organization.vendors`` for the integration's vendor, if any."""
    if organization is None:
        return None
    for index, vendor in enumerate(organization.vendors):
        if vendor.name == integration.vendor.name:
            return index, vendor
    return None


def external_id_policy(
    organization: Organization | None, integration: Integration, integrations: list[Integration] | None = None
) -> ExternalIdPolicy:
    """What ``integration``'s vendor role requires: its own ID, else its vendor's shared ID."""
    access = integration.access
    default = organization.access.external_id_min_length if organization else DEFAULT_EXTERNAL_ID_MIN_LENGTH
    minimum = access.external_id_min_length if access and access.external_id_min_length else default
    if access is not None and access.external_id is not None:
        return ExternalIdPolicy(access.external_id, access.external_id_issued_by or "vendor", minimum, "access")
    found = shared_vendor(organization, integration)
    if found is None:
        return ExternalIdPolicy(None, "vendor", minimum, "access")
    index, vendor = found
    others = tuple(
        other.name
        for other in integrations or []
        if other.name != integration.name
        and other.vendor.name == vendor.name
        and other.access is not None
        and other.access.external_id is None
    )
    return ExternalIdPolicy(
        vendor.external_id, vendor.external_id_issued_by, minimum, f"organization.vendors[{index}]", others
    )


def external_id_of(organization: Organization | None, integration: Integration) -> str | None:
    """The external ID the integration's vendor role requires (None: the spec declares none)."""
    return external_id_policy(organization, integration).value
