"""Checks of an integration's AWS service endpoints that need more than one field.

* ``ecr.dkr`` needs ``ecr.api`` and the ``s3`` gateway endpoint: a pull authenticates through
  the ECR API (GetAuthorizationToken) and downloads the image layers from S3 ("Amazon ECR
  uses Amazon S3 to store your image layers", Amazon ECR interface VPC endpoints, "Create the
  Amazon S3 gateway endpoint": https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html).
* ``network.vendor_resources``: each service is one of ``network.service_endpoints``, each
  account is listed once, and ``monitoring`` (whose PutMetricData names no resource) is never
  widened. Accounts that belong to the organisation are refused by
  :mod:`airlock.spec.isolation_checks`, which knows every intermediate account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from airlock.spec.errors import Loc, SpecIssue
from airlock.spec.models import Integration, Organization

#: What ``ecr.dkr`` cannot work without, and why.
ECR_COMPANIONS = {
    "ecr.api": "docker login takes its token from the ECR API (ecr:GetAuthorizationToken, api.ecr.<region>)",
    "s3": "ECR serves image layers from S3 (prod-<region>-starport-layer-bucket), reached through the S3 gateway",
}

#: Services whose requests name no resource of an account: a vendor account means nothing there.
WITHOUT_RESOURCES = frozenset({"monitoring"})


def _base(index: int) -> Loc:
    return ("integrations", index, "network")


def _ecr_companions(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    network = integration.network
    if network is None or "ecr.dkr" not in network.service_endpoints:
        return []
    declared = list(network.service_endpoints)
    return [
        SpecIssue(
            (*_base(index), "service_endpoints"),
            f"'ecr.dkr' needs '{missing}' as well: {why}; add '{missing}' to service_endpoints, e.g. "
            f"{[*declared, missing]}",
        )
        for missing, why in ECR_COMPANIONS.items()
        if missing not in declared
    ]


def _vendor_resources(_org: Organization | None, index: int, integration: Integration) -> list[SpecIssue]:
    network = integration.network
    if network is None:
        return []
    declared = list(network.service_endpoints)
    issues: list[SpecIssue] = []
    first: dict[str, int] = {}
    for position, entry in enumerate(network.vendor_resources):
        where = (*_base(index), "vendor_resources", position)
        if entry.account_id in first:
            issues.append(
                SpecIssue(
                    (*where, "account_id"),
                    f"'{entry.account_id}' is already vendor_resources[{first[entry.account_id]}]; list each "
                    "account once, with all its services",
                )
            )
        first.setdefault(entry.account_id, position)
        for slot, service in enumerate(entry.services):
            if service in WITHOUT_RESOURCES:
                issues.append(
                    SpecIssue(
                        (*where, "services", slot),
                        f"'{service}' requests name no resource of an account (cloudwatch:PutMetricData acts on "
                        "'*'), so a vendor account cannot be admitted for it; remove it",
                    )
                )
            elif service not in declared:
                issues.append(
                    SpecIssue(
                        (*where, "services", slot),
                        f"'{service}' is not one of network.service_endpoints {declared}; a vendor's resources are "
                        f"reached only through a declared endpoint: add '{service}' to service_endpoints or remove "
                        "it here",
                    )
                )
    return issues


#: The service endpoints' checks of one integration (run by :func:`airlock.spec.checks.cross_checks`).
INTEGRATION_CHECKS: tuple[Callable[[Organization | None, int, Integration], Iterable[SpecIssue]], ...] = (
    _ecr_companions,
    _vendor_resources,
)
