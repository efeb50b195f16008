"""Registration in AWS: AppRegistry application, attribute group and associations; budgets."""

from __future__ import annotations

import json
from datetime import date

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from airlock.constructs.registration import AccountBudget, ApplicationRegistration
from airlock.spec import AccountLock, validate
from airlock.stacks import build
from tests.specs import spec_data

INTEGRATION_STACKS = {
    "airlock-crm-eu-central-1": "crm",
    "airlock-payroll-eu-central-1": "payroll",
    "airlock-events-eu-west-1": "events",
}


@pytest.mark.parametrize(("stack", "name"), sorted(INTEGRATION_STACKS.items()))
def test_each_integration_stack_registers_its_application(example_assembly, example_spec, stack, name):
    template = Template.from_json(example_assembly.template(stack))
    integration = example_spec.integration(name)
    template.resource_count_is("AWS::ServiceCatalogAppRegistry::Application", 1)
    template.has_resource_properties("AWS::ServiceCatalogAppRegistry::Application", {"Name": f"airlock-{name}"})
    (group,) = example_assembly.resources(stack, "AWS::ServiceCatalogAppRegistry::AttributeGroup").values()
    attributes = group["Properties"]["Attributes"]
    assert attributes["owner"] == integration.owner
    assert attributes["vendor"] == integration.vendor.name
    assert attributes["data_classification"] == integration.data_classification
    assert attributes.get("contract") == integration.contract
    assert attributes["review"]["last_assessed"] == integration.review.last_assessed.isoformat()
    assert attributes["review"]["next_review"] == integration.review.next_review.isoformat()
    assert [f["name"] for f in attributes["data_flows"]] == [f.name for f in integration.data_flows]
    app_id = next(iter(example_assembly.resources(stack, "AWS::ServiceCatalogAppRegistry::Application")))
    group_id = next(iter(example_assembly.resources(stack, "AWS::ServiceCatalogAppRegistry::AttributeGroup")))
    template.has_resource_properties(
        "AWS::ServiceCatalogAppRegistry::AttributeGroupAssociation",
        {"Application": {"Fn::GetAtt": [app_id, "Id"]}, "AttributeGroup": {"Fn::GetAtt": [group_id, "Id"]}},
    )
    template.has_resource_properties(
        "AWS::ServiceCatalogAppRegistry::ResourceAssociation",
        {
            "Application": {"Fn::GetAtt": [app_id, "Id"]},
            "Resource": {"Ref": "AWS::StackId"},
            "ResourceType": "CFN_STACK",
        },
    )


@pytest.mark.parametrize(("stack", "name"), sorted(INTEGRATION_STACKS.items()))
def test_budget_has_the_spec_amount_thresholds_and_emails(example_assembly, example_spec, stack, name):
    budget = example_spec.integration(name).budget
    emails = budget.notify or [example_spec.integration(name).contact]
    (resource,) = example_assembly.resources(stack, "AWS::Budgets::Budget").values()
    properties = resource["Properties"]
    assert properties["Budget"] == {
        "BudgetLimit": {"Amount": budget.amount, "Unit": "USD"},
        "BudgetName": f"airlock-{name}",
        "BudgetType": "COST",
        "TimeUnit": "MONTHLY",
    }
    notifications = properties["NotificationsWithSubscribers"]
    assert [n["Notification"]["Threshold"] for n in notifications] == budget.thresholds_percent
    for notification in notifications:
        assert notification["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert notification["Notification"]["NotificationType"] == "ACTUAL"
        assert [s["Address"] for s in notification["Subscribers"]] == emails


def test_no_budget_or_registration_in_the_organization_stack(example_assembly):
    types = {r["Type"] for r in example_assembly.template("airlock-organization")["Resources"].values()}
    assert not {t for t in types if t.startswith(("AWS::Budgets::", "AWS::ServiceCatalogAppRegistry::"))}


@pytest.fixture(scope="module")
def multi_region():
    """crm in two regions with a budget: account-wide resources once, regional ones per region."""
    data = spec_data(
        **{
            "integrations.0.regions": ["eu-west-1", "eu-central-1"],
            "integrations.0.network.az_ids": ["euc1-az1", "euc1-az2", "euw1-az1", "euw1-az2"],
            "integrations.0.budget": {"amount": 120, "thresholds_percent": [90]},
        }
    )
    spec = validate(data, today=date(2026, 6, 1))
    app = cdk.App()
    zone = build(app, spec, lock=AccountLock(), packs=())
    return {s.region: Template.from_stack(s) for s in zone.integrations}


def test_budget_exists_once_in_the_home_region(multi_region):
    assert sorted(multi_region) == ["eu-central-1", "eu-west-1"]
    multi_region["eu-west-1"].resource_count_is("AWS::Budgets::Budget", 1)  # home: the first region
    multi_region["eu-central-1"].resource_count_is("AWS::Budgets::Budget", 0)
    multi_region["eu-west-1"].has_resource_properties(
        "AWS::Budgets::Budget",
        {
            "Budget": Match.object_like({"BudgetLimit": {"Amount": 120, "Unit": "USD"}}),
            "NotificationsWithSubscribers": [
                {
                    "Notification": Match.object_like({"Threshold": 90}),
                    "Subscribers": [{"Address": "sales@example.com", "SubscriptionType": "EMAIL"}],
                }
            ],
        },
    )


def test_application_is_in_every_region_of_the_integration(multi_region):
    for template in multi_region.values():
        template.resource_count_is("AWS::ServiceCatalogAppRegistry::Application", 1)
        template.resource_count_is("AWS::ServiceCatalogAppRegistry::ResourceAssociation", 1)


def test_integration_without_budget_gets_none(multi_region):
    spec = validate(spec_data(), today=date(2026, 6, 1))
    zone = build(cdk.App(), spec, lock=AccountLock(), packs=())
    Template.from_stack(zone.integrations[0]).resource_count_is("AWS::Budgets::Budget", 0)


def test_budget_construct_rejects_impossible_props(bare_stack):
    stack = bare_stack()
    with pytest.raises(ValueError, match=r"amount 0 is not above 0"):
        AccountBudget(stack, "Zero", budget_name="b", amount=0, emails=["a@example.com"])
    with pytest.raises(ValueError, match=r"emails \[\] must list 1-10"):
        AccountBudget(stack, "NoMail", budget_name="b", amount=5, emails=[])
    with pytest.raises(ValueError, match=r"must list 1-5 percentages"):
        AccountBudget(stack, "Many", budget_name="b", amount=5, emails=["a@example.com"], thresholds_percent=[1] * 6)


def test_budget_construct_tags_the_budget(bare_stack):
    stack = bare_stack()
    AccountBudget(stack, "B", budget_name="b", amount=5, emails=["a@example.com"], tags={"k": "v"})
    Template.from_stack(stack).has_resource_properties(
        "AWS::Budgets::Budget", {"ResourceTags": [{"Key": "k", "Value": "v"}]}
    )


def test_registration_construct_rejects_bad_names_and_huge_attributes(bare_stack):
    stack = bare_stack()
    with pytest.raises(ValueError, match=r"application_name 'bad name' is not a valid AppRegistry name"):
        ApplicationRegistration(stack, "Bad", application_name="bad name", attributes={})
    with pytest.raises(ValueError, match=r"above AppRegistry's 8000"):
        ApplicationRegistration(stack, "Huge", application_name="huge", attributes={"x": "y" * 8000})


def test_registration_associates_further_stacks_of_its_environment_only(bare_stack):
    stack = bare_stack()
    registration = ApplicationRegistration(stack, "App", application_name="app", attributes={"a": 1})
    sibling = cdk.Stack(stack.node.root, "Sibling", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    registration.associate_stack(sibling)
    sibling_template = Template.from_stack(sibling).to_json()
    (association,) = [r for r in sibling_template["Resources"].values() if r["Type"].endswith("ResourceAssociation")]
    assert association["Properties"]["Resource"] == {"Ref": "AWS::StackId"}
    elsewhere = cdk.Stack(stack.node.root, "Far", env=cdk.Environment(account="123456789012", region="us-east-1"))
    with pytest.raises(ValueError, match=r"associates stacks of its own account and region only"):
        registration.associate_stack(elsewhere)
    assert json.dumps(sibling_template)  # serializable
