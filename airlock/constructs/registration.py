"""Registration in AWS: a Service Catalog AppRegistry application and a monthly budget.

Both are native CloudFormation resources (no custom resources), so they deploy, update and
delete with the stack that holds them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_servicecatalogappregistry as appregistry
from constructs import Construct

#: AppRegistry names: 1-256 characters of letters, digits, '-', '_' and '.'.
_APPREGISTRY_NAME = re.compile(r"^[-.\w]{1,256}$")
#: AppRegistry stores an attribute group's attributes as one JSON document of at most 8,000 characters.
MAX_ATTRIBUTES_CHARS = 8000
#: AWS Budgets: five notifications per budget, ten email subscribers per notification.
MAX_NOTIFICATIONS = 5
MAX_EMAILS = 10


class ApplicationRegistration(Construct):
    """An AppRegistry application with one attribute group, associated with the stack it is in.

    The application is what AWS myApplications, Service Catalog and the console list; the
    attribute group carries the facts about it (owner, vendor, contract, review dates, ...).
    Further stacks of the same account and region join with :meth:`associate_stack`.

    :param application_name: name of the application, unique in the account and region.
    :param attributes: JSON-serializable facts for the attribute group (at most 8,000
        characters once serialized).
    :param description: description of the application and the attribute group. Default: none.
    :param attribute_group_name: Default: ``<application_name>-attributes``.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        application_name: str,
        attributes: Mapping[str, Any],
        description: str | None = None,
        attribute_group_name: str | None = None,
    ) -> None:
        super().__init__(scope, id)
        self.application_name = application_name
        attribute_group_name = attribute_group_name or f"{application_name}-attributes"
        for prop, value in (("application_name", application_name), ("attribute_group_name", attribute_group_name)):
            if not _APPREGISTRY_NAME.match(value):
                raise ValueError(
                    f"{prop} {value!r} is not a valid AppRegistry name; use 1-256 letters, digits, '-', '_' or '.'"
                )
        serialized = json.dumps(attributes, sort_keys=True, separators=(",", ":"))
        if len(serialized) > MAX_ATTRIBUTES_CHARS:
            raise ValueError(
                f"attributes are {len(serialized)} characters as JSON, above AppRegistry's {MAX_ATTRIBUTES_CHARS}; "
                "leave long texts out of the attribute group"
            )
        self.application = appregistry.CfnApplication(self, "Resource", name=application_name, description=description)
        self.attribute_group = appregistry.CfnAttributeGroup(
            self,
            "Attributes",
            name=attribute_group_name,
            description=description,
            attributes=json.loads(serialized),
        )
        appregistry.CfnAttributeGroupAssociation(
            self,
            "AttributesAssociation",
            application=self.application.attr_id,
            attribute_group=self.attribute_group.attr_id,
        )
        self.associations: list[appregistry.CfnResourceAssociation] = []
        self.associate_stack(cdk.Stack.of(self))

    @property
    def application_id(self) -> str:
        return self.application.attr_id

    @property
    def application_arn(self) -> str:
        return self.application.attr_arn

    def associate_stack(self, stack: cdk.Stack) -> appregistry.CfnResourceAssociation:
        """Associate ``stack`` (same account and region) with the application."""
        here = cdk.Stack.of(self)
        if stack is not here and (stack.account != here.account or stack.region != here.region):
            raise ValueError(
                f"stack {stack.stack_name!r} is in {stack.account}/{stack.region}, the application in "
                f"{here.account}/{here.region}; AppRegistry associates stacks of its own account and region only"
            )
        scope, name = (self, "StackAssociation") if stack is here else (stack, f"AppRegistry-{self.application_name}")
        association = appregistry.CfnResourceAssociation(
            scope,
            name,
            application=self.application.attr_id,
            resource=stack.stack_id,
            resource_type="CFN_STACK",
        )
        self.associations.append(association)
        return association


class AccountBudget(Construct):
    """A monthly cost budget of the account it is deployed to, with email notifications.

    Deployed in a member account, the budget covers that account's own costs, so it needs
    no filter; one budget per account is enough, so deploy it in one region only.

    :param budget_name: name of the budget, unique in the account.
    :param amount: monthly limit, above 0.
    :param emails: addresses notified at each threshold (1-10).
    :param thresholds_percent: percentages of the amount at which actual cost notifies
        (1-5 values). Default: 80 and 100.
    :param currency: Default: USD.
    :param tags: tags of the budget. CDK's ``Tags.of()`` does not reach budgets, so pass the
        tags the budget must carry. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        budget_name: str,
        amount: float,
        emails: Sequence[str],
        thresholds_percent: Sequence[float] = (80.0, 100.0),
        currency: str = "USD",
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(scope, id)
        if not amount > 0:
            raise ValueError(f"amount {amount} is not above 0; give the monthly limit, e.g. 500")
        if not 1 <= len(emails) <= MAX_EMAILS:
            raise ValueError(f"emails {list(emails)} must list 1-{MAX_EMAILS} addresses; add the owner's address")
        if not 1 <= len(thresholds_percent) <= MAX_NOTIFICATIONS:
            raise ValueError(
                f"thresholds_percent {list(thresholds_percent)} must list 1-{MAX_NOTIFICATIONS} percentages, "
                "e.g. [80, 100]"
            )
        self.amount = amount
        self.thresholds_percent = tuple(thresholds_percent)
        subscribers = [budgets.CfnBudget.SubscriberProperty(address=a, subscription_type="EMAIL") for a in emails]
        self.budget = budgets.CfnBudget(
            self,
            "Resource",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(amount=amount, unit=currency),
            ),
            notifications_with_subscribers=[
                budgets.CfnBudget.NotificationWithSubscribersProperty(
                    notification=budgets.CfnBudget.NotificationProperty(
                        notification_type="ACTUAL",
                        comparison_operator="GREATER_THAN",
                        threshold=threshold,
                        threshold_type="PERCENTAGE",
                    ),
                    subscribers=subscribers,
                )
                for threshold in thresholds_percent
            ],
            resource_tags=[
                budgets.CfnBudget.ResourceTagProperty(key=k, value=v) for k, v in sorted((tags or {}).items())
            ]
            or None,
        )
