"""The management-account half: the dedicated OU and the intermediate accounts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from airlock.spec import Integration, Organization
from airlock.stacks.tags import apply_tags, integration_tags


class OrganizationStack(cdk.Stack):
    """Deployed to the management account: OU for all intermediate accounts, and the accounts.

    Accounts are created one after the other (Organizations refuses concurrent creations)
    and retained if the stack or the resource is deleted: closing an account is a human
    decision. Adopted accounts are not created here.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        organization: Organization,
        integrations: Sequence[Integration],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.organization = organization
        apply_tags(self, {**organization.tags, "airlock:component": "organization"})
        self.ou = organizations.CfnOrganizationalUnit(
            self,
            "IntegrationsOu",
            name=organization.ou_name,
            parent_id=organization.parent_id,
        )
        self.accounts: dict[str, organizations.CfnAccount] = {}
        accounts_scope = Construct(self, "Accounts")
        previous: organizations.CfnAccount | None = None
        for integration in integrations:
            create = integration.account.create
            if create is None:
                continue
            account = organizations.CfnAccount(
                accounts_scope,
                integration.name,
                account_name=create.name,
                email=create.email,
                parent_ids=[self.ou.attr_id],
                tags=[
                    cdk.CfnTag(key=k, value=v) for k, v in sorted(integration_tags(organization, integration).items())
                ],
            )
            account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            if previous is not None:
                account.add_dependency(previous)
            previous = account
            self.accounts[integration.name] = account
            cdk.CfnOutput(self, f"{integration.name}AccountId", value=account.attr_account_id)
        cdk.CfnOutput(self, "IntegrationsOuId", value=self.ou.attr_id)
