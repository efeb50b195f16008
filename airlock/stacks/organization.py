"""The management-account half: the OU tree, the intermediate accounts, their SCPs and bootstrap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from airlock.constructs.bootstrap import AccountBootstrap, BreakGlassRole
from airlock.constructs.guardrails import GuardrailPolicies, QuarantinePolicy
from airlock.spec import Integration, Organization, SpecError, SpecIssue
from airlock.spec.organization_checks import sub_ou, walk_ous
from airlock.stacks.bootstrap_template import BootstrapTemplateNotFound, cdk_bootstrap_template
from airlock.stacks.guardrail_plan import plan_scps
from airlock.stacks.tags import apply_tags, integration_tags


class OrganizationStack(cdk.Stack):
    """Deployed to the management account: the dedicated OU tree, its accounts and guardrails.

    * the dedicated OU under ``organization.parent_id`` and the sub-OUs of the spec;
    * created accounts, one after the other (Organizations refuses concurrent creations),
      retained if the stack or the resource is deleted: closing an account is a human decision;
      adopted accounts are not created here;
    * the guardrail SCPs of every OU and intermediate account, packed within the quotas;
    * the quarantine SCP (the kill switch), attached to the accounts of suspended integrations;
    * a service-managed StackSet that CDK-bootstraps every account of the dedicated OU, and one
      that creates the break-glass role in each of them (only those two StackSets' execution
      role may create roles with the names the guardrails exempt).

    ``bootstrap_template`` defaults to the template of the pinned CDK CLI (node_modules/aws-cdk).
    Raises :class:`SpecError` when the guardrails do not fit the quotas or the CLI is missing.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        organization: Organization,
        integrations: Sequence[Integration],
        bootstrap_template: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.organization = organization
        org = organization
        apply_tags(self, {**org.tags, "airlock:component": "organization"})
        self.ou = organizations.CfnOrganizationalUnit(self, "IntegrationsOu", name=org.ou_name, parent_id=org.parent_id)
        self.ous: dict[str, organizations.CfnOrganizationalUnit] = {org.ou_name: self.ou}
        self._add_sub_ous()
        chains = {name: chain for name, chain, _ in walk_ous(org)}

        self.accounts: dict[str, organizations.CfnAccount] = {}
        accounts_scope = Construct(self, "Accounts")
        previous: organizations.CfnAccount | None = None
        for integration in integrations:
            create = integration.account.create
            if create is None:
                continue
            parent = self.ous[chains[integration.ou][-1]] if integration.ou else self.ou
            account = organizations.CfnAccount(
                accounts_scope,
                integration.name,
                account_name=create.name,
                email=create.email,
                parent_ids=[parent.attr_id],
                tags=[cdk.CfnTag(key=k, value=v) for k, v in sorted(integration_tags(org, integration).items())],
            )
            account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
            if previous is not None:
                account.add_dependency(previous)
            previous = account
            self.accounts[integration.name] = account
            cdk.CfnOutput(self, f"{integration.name}AccountId", value=account.attr_account_id)

        self.guardrails: dict[str, GuardrailPolicies] = {}
        #: The SCPs of every target, as planned from the spec (and expected by ``airlock verify``).
        self.scp_plan = plan_scps(org, integrations)
        self._add_guardrails(integrations)
        suspended = [self.account_id_of(i) for i in integrations if i.state == "suspended"]
        self.quarantine = QuarantinePolicy(
            self,
            "Quarantine",
            deployment_role_pattern=org.deployment_role_pattern,
            break_glass_role=org.break_glass_role,
            target_ids=suspended,
            name=self.scp_plan.quarantine.name,
        )
        self.bootstrap: AccountBootstrap | None = None
        if org.bootstrap.enabled:
            self._add_bootstrap(bootstrap_template)
        self.break_glass: BreakGlassRole | None = None
        if org.bootstrap.break_glass.create:
            self.break_glass = BreakGlassRole(
                self,
                "BreakGlass",
                role_name=org.break_glass_role.rsplit("/", 1)[-1],
                trusted_account_id=org.bootstrap.break_glass.trusted_account_id or org.management_account_id,
                organizational_unit_ids=[self.ou.attr_id],
                region=org.home_region,
            )
        cdk.CfnOutput(self, "IntegrationsOuId", value=self.ou.attr_id)
        cdk.CfnOutput(self, "QuarantinePolicyId", value=self.quarantine.policy.attr_id)

    def account_id_of(self, integration: Integration) -> str:
        """The intermediate account id: literal when adopted, the created account's id otherwise."""
        if integration.account.adopt:
            return integration.account.adopt
        return self.accounts[integration.name].attr_account_id

    def _add_sub_ous(self) -> None:
        org = self.organization
        ous_scope = Construct(self, "Ous")
        for name, chain, _ in walk_ous(org):
            if len(chain) == 1:
                continue
            found = sub_ou(org, chain)
            assert found is not None
            ou = organizations.CfnOrganizationalUnit(ous_scope, name, name=name, parent_id=self.ous[chain[-2]].attr_id)
            for key, value in sorted(found.tags.items()):
                cdk.Tags.of(ou).add(key, value)
            self.ous[name] = ou

    def _add_guardrails(self, integrations: Sequence[Integration]) -> None:
        """One :class:`GuardrailPolicies` per target of the SCP plan (which ``airlock verify`` expects too)."""
        scope = Construct(self, "Guardrails")
        ou_scope, account_scope = Construct(scope, "Ous"), Construct(scope, "Accounts")
        by_name = {integration.name: integration for integration in integrations}
        for planned in self.scp_plan.targets:
            if planned.integration is None:
                parent, target_id = ou_scope, self.ous[planned.ou_chain[-1]].attr_id
            else:
                parent, target_id = account_scope, self.account_id_of(by_name[planned.integration])
            self.guardrails[planned.target] = GuardrailPolicies(
                parent, planned.target, target_id=target_id, target_name=planned.target, packed=planned.packed
            )

    def _add_bootstrap(self, template: str | None) -> None:
        org = self.organization
        settings = org.bootstrap
        if template is None:
            try:
                template = cdk_bootstrap_template().body
            except BootstrapTemplateNotFound as exc:
                raise SpecError([SpecIssue(("organization", "bootstrap", "enabled"), str(exc))]) from None
        self.bootstrap = AccountBootstrap(
            self,
            "Bootstrap",
            template_body=template,
            organizational_unit_ids=[self.ou.attr_id],
            regions=sorted(settings.regions or org.allowed_regions),
            trusted_account_ids=[settings.trusted_account_id or org.management_account_id],
            execution_policies=settings.execution_policies,
            qualifier=settings.qualifier,
        )
