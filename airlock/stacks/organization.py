"""The management-account half: the OU tree, the intermediate accounts, their SCPs and bootstrap."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_organizations as organizations
from constructs import Construct

from airlock.constructs.bootstrap import AccountBootstrap, BreakGlassRole
from airlock.constructs.guardrails import GuardrailPolicies, QuarantinePolicy
from airlock.constructs.guardrails.declarative import (
    EC2_POLICY_NAME,
    TAG_POLICY_NAME,
    ec2_declarative_document,
    tag_policy_document,
)
from airlock.constructs.guardrails.perimeter import QuarantineResourcePolicy
from airlock.spec import Integration, Organization, SpecError, SpecIssue
from airlock.spec.organization_checks import sub_ou, walk_ous
from airlock.stacks.bootstrap_template import BootstrapTemplateNotFound, cdk_bootstrap_template
from airlock.stacks.guardrail_plan import ScpPlan, has_egress, plan_scps
from airlock.stacks.perimeter_plan import RCP_NAME_PREFIX, RcpPlan, plan_rcps
from airlock.stacks.tags import TAG_POLICY_KEYS, TAG_POLICY_VALUES, apply_tags, integration_tags


def ou_export_name(ou_name: str) -> str:
    """The export of an OU's id that account stacks import: ``airlock-ou-<name>-<hash>``.

    Export names allow letters, digits, ``-`` and ``:``; the hash keeps names that differ
    only in other characters apart.
    """
    digest = hashlib.sha256(ou_name.encode("utf-8")).hexdigest()[:8]
    return f"airlock-ou-{re.sub(r'[^A-Za-z0-9-]', '-', ou_name)[:64]}-{digest}"


def add_accounts(
    stack: cdk.Stack,
    organization: Organization,
    integrations: Sequence[Integration],
    *,
    parent_of: Mapping[str, str],
) -> dict[str, organizations.CfnAccount]:
    """The created accounts of ``integrations`` in ``stack``, at ``Accounts/<name>``.

    ``parent_of`` maps an OU name to its id (a token). Accounts are created one after the
    other (Organizations refuses concurrent creations) and retained on delete: closing an
    account is a human decision. One output per created account holds its id.
    """
    chains = {name: chain for name, chain, _ in walk_ous(organization)}
    accounts: dict[str, organizations.CfnAccount] = {}
    accounts_scope = Construct(stack, "Accounts")
    previous: organizations.CfnAccount | None = None
    for integration in integrations:
        create = integration.account.create
        if create is None:
            continue
        parent = parent_of[chains[integration.ou][-1] if integration.ou else organization.ou_name]
        account = organizations.CfnAccount(
            accounts_scope,
            integration.name,
            account_name=create.name,
            email=create.email,
            parent_ids=[parent],
            tags=[cdk.CfnTag(key=k, value=v) for k, v in sorted(integration_tags(organization, integration).items())],
        )
        account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        if previous is not None:
            account.add_dependency(previous)
        previous = account
        accounts[integration.name] = account
        cdk.CfnOutput(stack, f"{integration.name}AccountId", value=account.attr_account_id)
    return accounts


def add_account_guardrails(
    scope: Construct,
    integrations: Sequence[Integration],
    accounts: Mapping[str, organizations.CfnAccount],
    plan: ScpPlan,
) -> dict[str, GuardrailPolicies]:
    """The account guardrails of ``integrations``, at ``<scope>/Accounts/integration-<name>``:
    on the adopted account's id, or on the created account in ``accounts``."""
    held = {integration.name: integration for integration in integrations}
    targets = [t for t in plan.targets if t.integration is not None and t.integration in held]
    guardrails: dict[str, GuardrailPolicies] = {}
    if not targets:
        return guardrails
    account_scope = Construct(scope, "Accounts")
    for planned in targets:
        integration = held[str(planned.integration)]
        target_id = integration.account.adopt or accounts[integration.name].attr_account_id
        guardrails[planned.target] = GuardrailPolicies(
            account_scope, planned.target, target_id=target_id, target_name=planned.target, packed=planned.packed
        )
    return guardrails


def add_account_perimeter(
    scope: Construct,
    integrations: Sequence[Integration],
    accounts: Mapping[str, organizations.CfnAccount],
    plan: RcpPlan,
) -> dict[str, GuardrailPolicies]:
    """The RCPs of ``integrations``' accounts, at ``<scope>/Accounts/integration-<name>``, on the
    adopted account's id or the created account in ``accounts``."""
    held = {integration.name: integration for integration in integrations}
    targets = [t for t in plan.targets if t.integration in held]
    perimeter: dict[str, GuardrailPolicies] = {}
    if not targets:
        return perimeter
    account_scope = Construct(scope, "Accounts")
    for planned in targets:
        integration = held[planned.integration]
        target_id = integration.account.adopt or accounts[integration.name].attr_account_id
        perimeter[planned.target] = GuardrailPolicies(
            account_scope,
            planned.target,
            target_id=target_id,
            target_name=planned.target,
            packed=planned.packed,
            name_prefix=RCP_NAME_PREFIX,
            policy_type="RESOURCE_CONTROL_POLICY",
        )
    return perimeter


class OrganizationAccountsStack(cdk.Stack):
    """Deployed to the management account after :class:`OrganizationStack`: the created
    accounts and the account guardrails of a group of integrations.

    The OUs' ids come from the organization stack's exports (``Fn::ImportValue`` of
    :func:`ou_export_name`), so this stack can be synthesized on its own. ``integrations``
    are the group's; every SCP stays a plain ``AWS::Organizations::Policy`` whose
    ``TargetIds`` name the account (by reference when created here, literally when adopted).
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
        org = organization
        apply_tags(self, {**org.tags, "airlock:component": "organization"})
        needed = {name for name, _, _ in walk_ous(org)}
        parent_of = {name: cdk.Fn.import_value(ou_export_name(name)) for name in sorted(needed)}
        self.accounts = add_accounts(self, org, integrations, parent_of=parent_of)
        self.scp_plan = plan_scps(org, integrations)
        self.guardrails = add_account_guardrails(
            Construct(self, "Guardrails"), integrations, self.accounts, self.scp_plan
        )
        self.rcp_plan = plan_rcps(org, integrations)
        self.perimeter = add_account_perimeter(Construct(self, "Perimeter"), integrations, self.accounts, self.rcp_plan)


class OrganizationStack(cdk.Stack):
    """Deployed to the management account: the dedicated OU tree, its guardrails and the kill switch.

    * the dedicated OU under ``organization.parent_id`` and the sub-OUs of the spec, each
      OU's id exported (:func:`ou_export_name`) for the account stacks;
    * the created accounts and account guardrails of ``held`` (default: every integration;
      a landing zone built by :func:`airlock.stacks.build` holds only
      ``organization.layout.kept_in_organization_stack`` here, the others in
      :class:`OrganizationAccountsStack`), created one after the other and retained on delete;
    * the guardrail SCPs of every OU, packed within the quotas;
    * the quarantine SCP (the kill switch), attached to the accounts of suspended integrations:
      adopted ones by their id, held ones by reference, others by the id in ``account_ids``
      (the account lock);
    * the data-perimeter RCPs of the held accounts and the quarantine RCP, attached where the
      quarantine SCP is, and the EC2 declarative policy and the tag policy of the dedicated OU
      (each unless ``organization.perimeter`` opts out);
    * a service-managed StackSet that CDK-bootstraps every account of the dedicated OU, and one
      that creates the break-glass role in each of them (only those two StackSets' execution
      role may create roles with the names the guardrails exempt).

    ``bootstrap_template`` defaults to the template of the pinned CDK CLI (node_modules/aws-cdk).
    Raises :class:`SpecError` when the guardrails do not fit the quotas, the CLI is missing,
    or a suspended integration's account is neither held here nor recorded in ``account_ids``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        organization: Organization,
        integrations: Sequence[Integration],
        held: Sequence[Integration] | None = None,
        account_ids: Mapping[str, str] | None = None,
        bootstrap_template: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.organization = organization
        org = organization
        held = list(integrations if held is None else held)
        apply_tags(self, {**org.tags, "airlock:component": "organization"})
        self.ou = organizations.CfnOrganizationalUnit(self, "IntegrationsOu", name=org.ou_name, parent_id=org.parent_id)
        self.ous: dict[str, organizations.CfnOrganizationalUnit] = {org.ou_name: self.ou}
        self._add_sub_ous()
        #: The SCPs of every OU and held account, as planned from the spec (and expected by ``airlock verify``).
        self.scp_plan = plan_scps(org, held)
        self.accounts = add_accounts(self, org, held, parent_of={name: ou.attr_id for name, ou in self.ous.items()})
        guardrails_scope = Construct(self, "Guardrails")
        self.guardrails: dict[str, GuardrailPolicies] = {}
        self._add_ou_guardrails(guardrails_scope)
        self.guardrails.update(add_account_guardrails(guardrails_scope, held, self.accounts, self.scp_plan))
        #: The RCPs of every held account and the quarantine RCP (expected by ``airlock verify`` too).
        self.rcp_plan = plan_rcps(org, held)
        self.perimeter = add_account_perimeter(Construct(self, "Perimeter"), held, self.accounts, self.rcp_plan)
        suspended = [
            self._quarantine_target(index, i, account_ids or {})
            for index, i in enumerate(integrations)
            if i.state == "suspended"
        ]
        self.quarantine = QuarantinePolicy(
            self,
            "Quarantine",
            deployment_role_pattern=org.deployment_role_pattern,
            break_glass_role=org.break_glass_role,
            target_ids=suspended,
            name=self.scp_plan.quarantine.name,
        )
        self.quarantine_rcp: QuarantineResourcePolicy | None = None
        if self.rcp_plan.quarantine is not None:
            self.quarantine_rcp = QuarantineResourcePolicy(
                self,
                "QuarantineRcp",
                deployment_role_pattern=org.deployment_role_pattern,
                break_glass_role=org.break_glass_role,
                target_ids=suspended,
                name=self.rcp_plan.quarantine.name,
            )
        #: The EC2 declarative policy of the dedicated OU (None when the spec opts out).
        self.ec2_policy: organizations.CfnPolicy | None = None
        if org.perimeter.ec2_declarative_policy:
            self.ec2_policy = organizations.CfnPolicy(
                self,
                "Ec2Baseline",
                name=EC2_POLICY_NAME,
                type="DECLARATIVE_POLICY_EC2",
                description="saas-airlock EC2 baseline: VPC Block Public Access bidirectional, IMDSv2 required, "
                "no public AMI or snapshot sharing, serial console off",
                content=ec2_declarative_document(exclusions_allowed=any(has_egress(i) for i in integrations)),
                target_ids=[self.ou.attr_id],
            )
        #: The tag policy of the dedicated OU (None when the spec opts out).
        self.tag_policy: organizations.CfnPolicy | None = None
        if org.perimeter.tag_policy:
            self.tag_policy = organizations.CfnPolicy(
                self,
                "TagPolicy",
                name=TAG_POLICY_NAME,
                type="TAG_POLICY",
                description="saas-airlock mandatory tags: the airlock:* keys and the data classifications",
                content=tag_policy_document(TAG_POLICY_KEYS, TAG_POLICY_VALUES),
                target_ids=[self.ou.attr_id],
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
        if self.quarantine_rcp is not None:
            cdk.CfnOutput(self, "QuarantineRcpId", value=self.quarantine_rcp.policy.attr_id)
        for name, ou in self.ous.items():
            cdk.CfnOutput(Construct(self, f"Export-{name}"), "OuId", value=ou.attr_id, export_name=ou_export_name(name))

    def account_id_of(self, integration: Integration) -> str:
        """The intermediate account id: literal when adopted, the held created account's id otherwise."""
        if integration.account.adopt:
            return integration.account.adopt
        return self.accounts[integration.name].attr_account_id

    def _quarantine_target(self, index: int, integration: Integration, account_ids: Mapping[str, str]) -> str:
        if integration.account.adopt or integration.name in self.accounts:
            return self.account_id_of(integration)
        if integration.name in account_ids:
            return account_ids[integration.name]
        raise SpecError(
            [
                SpecIssue(
                    ("integrations", index, "state"),
                    f"'suspended', but the account of '{integration.name}' is not created yet (no id in the "
                    "account lock file), so there is nothing to quarantine; set state to 'active', or deploy the "
                    "account first and run `airlock accounts sync <spec>`",
                )
            ]
        )

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

    def _add_ou_guardrails(self, scope: Construct) -> None:
        """One :class:`GuardrailPolicies` per OU target of the SCP plan (which ``airlock verify`` expects too)."""
        ou_targets = [t for t in self.scp_plan.targets if t.integration is None]
        ou_scope = Construct(scope, "Ous")
        for planned in ou_targets:
            self.guardrails[planned.target] = GuardrailPolicies(
                ou_scope,
                planned.target,
                target_id=self.ous[planned.ou_chain[-1]].attr_id,
                target_name=planned.target,
                packed=planned.packed,
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
