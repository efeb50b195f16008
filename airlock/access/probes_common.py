"""What every probe module shares: the administrator of an intermediate account, an outsider, a probe."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from airlock.access.chains import assume_steps, session_of
from airlock.access.model import Policy, Principal, Source
from airlock.access.policy import parse_policy
from airlock.access.steps import Probe, Step, iam_step
from airlock.access.view import IntegrationView, RegionView

ADMIN_IDENTITY: Policy = parse_policy(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    Source("identity", name="AdministratorAccess of an administrator of the intermediate account"),
)
#: An account outside the organisation and every vendor.
OUTSIDER_ACCOUNT = "999999999999"

ProbeFunction = Callable[[IntegrationView, RegionView], Iterator[Probe]]


def probe(view: IntegrationView, name: str, why: str, step: Step) -> Probe:
    return Probe(view.integration.name, name, why, step)


def admin(region: RegionView) -> Principal:
    return Principal.role(f"arn:aws:iam::{region.account}:role/airlock-proof-administrator", session="admin")


def admin_step(view: IntegrationView, region: RegionView, action: str, resource: str, **extra: Any) -> Step:
    return iam_step(
        view.world,
        f"an administrator of {region.account} calls {action} on {resource}",
        admin(region),
        action,
        resource,
        region=region.region,
        identity=[ADMIN_IDENTITY],
        extra=extra or None,
    )


def vendor_session(view: IntegrationView, region: RegionView) -> Principal | None:
    """A session of the vendor role, as the first vendor principal that can assume it gets it."""
    for principal in view.vendor_principals():
        _, role = assume_steps(view, region, principal)
        if role is not None:
            return session_of(role)
    return None
