"""Naming core-account roles in resource policies without depending on the roles."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import aws_iam as iam

_ROLE_ARN = re.compile(r"^arn:aws(?:-[a-z]+)*:iam::(?P<account>\d{12}):role/[\w+=,.@/-]{1,512}$", re.ASCII)
_ORG_ID = re.compile(r"^o-[a-z0-9]{10,32}$", re.ASCII)


def core_principals(
    role_arns: Sequence[str], organization_id: str
) -> tuple[list[iam.IPrincipal], dict[str, dict[str, object]]]:
    """The roles' accounts as principals, and the conditions that admit exactly those roles
    (``aws:PrincipalArn``) of the organisation (``aws:PrincipalOrgID``).

    Naming the accounts rather than the roles keeps a policy deployable before the core roles
    exist; the conditions keep it as narrow as naming the roles.
    """
    if not _ORG_ID.fullmatch(organization_id):
        raise ValueError(
            f"organization_id '{organization_id}' is not an organization id; pass 'o-' and 10-32 characters"
        )
    if not role_arns:
        raise ValueError("role_arns is empty; name the core roles to admit")
    accounts = []
    for arn in role_arns:
        match = _ROLE_ARN.fullmatch(arn)
        if match is None:
            raise ValueError(
                f"role_arns entry '{arn}' is not a literal role ARN; pass 'arn:aws:iam::<account>:role/<name>'"
            )
        accounts.append(match.group("account"))
    principals: list[iam.IPrincipal] = [
        iam.ArnPrincipal(f"arn:aws:iam::{account}:root") for account in sorted(set(accounts))
    ]
    return principals, {
        "ArnEquals": {"aws:PrincipalArn": sorted(role_arns)},
        "StringEquals": {"aws:PrincipalOrgID": organization_id},
    }
