"""`airlock accounts sync`: find the ids of created accounts and record them in the lock file.

A created account's id exists only after the organization stack is deployed. This module
reads the organization with boto3 (read-only: list OUs and accounts under the dedicated
OU), matches each created account by name and email, and writes the lock file beside the
spec that synthesis reads (``<spec>.accounts.json``).

Every call goes through :mod:`airlock.aws_calls` (each page retried with backoff); a read
that still fails raises :class:`~airlock.aws_calls.CallError` and nothing is written, so
the lock file only ever holds what a complete read of the organization found.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from airlock import aws_calls
from airlock.spec import Spec
from airlock.spec.organization_checks import walk_ous


class SyncError(Exception):
    """The organization could not be read as the spec describes it (e.g. no dedicated OU)."""


@dataclass(frozen=True)
class SyncResult:
    """What the organization holds for the spec's created accounts."""

    #: integration name -> account id, for every created account found.
    found: dict[str, str] = field(default_factory=dict)
    #: integrations whose account is not (yet) in the dedicated OU tree.
    missing: list[str] = field(default_factory=list)
    #: integrations whose account name was found with another email (or the reverse).
    mismatched: list[tuple[str, str]] = field(default_factory=list)


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for page in aws_calls.pages(client, operation, **kwargs):
        yield from page[key]


def _ou_ids(client: Any, spec: Spec) -> list[str]:
    """Ids of the dedicated OU and of the spec's sub-OUs found below it."""
    org = spec.organization
    children = {
        ou["Name"]: ou["Id"]
        for ou in _pages(client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=org.parent_id)
    }
    if org.ou_name not in children:
        raise SyncError(
            f"no OU named '{org.ou_name}' under {org.parent_id}; deploy the organization stack first "
            "(npx cdk deploy airlock-organization)"
        )
    ids = {(org.ou_name,): children[org.ou_name]}
    for _, chain, _ in walk_ous(org):
        if len(chain) == 1 or chain[:-1] not in ids:
            continue
        below = {
            ou["Name"]: ou["Id"]
            for ou in _pages(
                client, "list_organizational_units_for_parent", "OrganizationalUnits", ParentId=ids[chain[:-1]]
            )
        }
        if chain[-1] in below:
            ids[chain] = below[chain[-1]]
    return list(ids.values())


def discover(spec: Spec, client: Any) -> SyncResult:
    """Match the spec's created accounts to the accounts in the dedicated OU tree."""
    accounts = []
    for ou_id in _ou_ids(client, spec):
        accounts.extend(_pages(client, "list_accounts_for_parent", "Accounts", ParentId=ou_id))
    by_name = {a["Name"]: a for a in accounts}
    by_email = {a["Email"].lower(): a for a in accounts}
    result = SyncResult()
    for integration in spec.integrations:
        create = integration.account.create
        if create is None:
            continue
        named, mailed = by_name.get(create.name), by_email.get(create.email.lower())
        if named is not None and named is mailed:
            result.found[integration.name] = named["Id"]
        elif named is None and mailed is None:
            result.missing.append(integration.name)
        else:
            other = named or mailed
            assert other is not None
            result.mismatched.append(
                (
                    integration.name,
                    f"account {other['Id']} is named '{other['Name']}' with email '{other['Email']}', but the spec "
                    f"says '{create.name}' / '{create.email}'; correct the spec or the account",
                )
            )
    return result


def organizations_client(
    *, profile: str | None = None, role_arn: str | None = None, endpoint_url: str | None = None
) -> Any:
    """An Organizations client; with ``role_arn``, through that role (read-only use)."""
    import boto3

    config = aws_calls.POLICY.config()
    session = boto3.Session(profile_name=profile)
    if role_arn:
        sts = session.client("sts", endpoint_url=endpoint_url, config=config)
        creds = aws_calls.call(sts, "assume_role", RoleArn=role_arn, RoleSessionName="airlock-accounts-sync")[
            "Credentials"
        ]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    client = session.client("organizations", region_name="us-east-1", endpoint_url=endpoint_url, config=config)
    return aws_calls.install(client)


@dataclass(frozen=True)
class SyncReport:
    ids: dict[str, str]
    changed: bool
    lines: list[str]
    drift: bool


def reconcile(spec: Spec, lock: dict[str, str], result: SyncResult) -> SyncReport:
    """The new lock content and what changed, from the current lock and what was found."""
    created = [i.name for i in spec.integrations if i.account.create is not None]
    ids: dict[str, str] = {}
    lines: list[str] = []
    for name in created:
        if name in result.found:
            ids[name] = result.found[name]
            if lock.get(name) == result.found[name]:
                lines.append(f"  {name}: {ids[name]} (unchanged)")
            elif name in lock:
                lines.append(f"  {name}: {ids[name]} (was {lock[name]})")
            else:
                lines.append(f"  {name}: {ids[name]} (new)")
        elif name in lock:
            ids[name] = lock[name]
            lines.append(f"  {name}: {lock[name]} kept, but no such account is in the dedicated OU tree")
    for name in result.missing:
        if name not in lock:
            lines.append(
                f"  {name}: not created yet; deploy the organization layer "
                "(npx cdk deploy 'airlock-organization*'), then run this again"
            )
    for name, message in result.mismatched:
        lines.append(f"  {name}: {message}")
    for name in sorted(set(lock) - set(created)):
        lines.append(f"  {name}: removed (not a created account of the spec)")
    return SyncReport(
        ids=ids,
        changed=ids != lock,
        lines=lines,
        drift=bool(result.missing or result.mismatched),
    )
