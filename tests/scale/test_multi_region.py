"""An integration in two regions: one stack per region, region-correct AZ IDs, globals once."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_iam as iam

from airlock.limits import AssemblyError, check_assembly
from airlock.spec import validate
from airlock.spec.placement import home_region
from airlock.stacks import IntegrationStack
from airlock.stacks.placement import REGION_INDEPENDENT_TYPES, StackTemplate, duplicated_global_resources
from airlock.synth import synth_app
from benchmarks.generate import generate_spec, integration_data
from tests.conftest import read_assembly

TWO_REGIONS = "int0001"  # in eu-central-1 (its first region, so its home) and eu-west-1
WEST_ONLY = "int0002"  # only in eu-west-1
WEST_FIRST = "int0003"  # in eu-west-1 (first, its home) and eu-central-1


def spec_data():
    data = generate_spec(2, multi_region_every=2, drop_zone_every=0)
    data["integrations"].append(integration_data(2, regions=["eu-west-1"]))
    data["integrations"].append(integration_data(3, regions=["eu-west-1", "eu-central-1"]))
    return data


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    spec = validate(spec_data())
    outdir = tmp_path_factory.mktemp("multi-region") / "cdk.out"
    zone, passed = synth_app(spec, outdir)
    assert passed
    return zone, read_assembly(outdir)


def test_two_region_integration_yields_one_stack_per_region(synthesized):
    zone, assembly = synthesized
    stacks = {s.stack_name: (s.account, s.region) for s in zone.integrations if s.integration.name == TWO_REGIONS}
    assert stacks == {
        "airlock-int0001-eu-central-1": ("300000000001", "eu-central-1"),
        "airlock-int0001-eu-west-1": ("300000000001", "eu-west-1"),
    }
    assert set(stacks) <= set(assembly.templates)


@pytest.mark.parametrize(
    ("stack", "az_ids"),
    [
        ("airlock-int0001-eu-central-1", ["euc1-az1", "euc1-az2"]),
        ("airlock-int0001-eu-west-1", ["euw1-az1", "euw1-az2"]),
        ("airlock-int0002-eu-west-1", ["euw1-az1", "euw1-az2"]),
    ],
)
def test_each_region_gets_its_own_az_ids(synthesized, stack, az_ids):
    _, assembly = synthesized
    subnets = assembly.resources(stack, "AWS::EC2::Subnet").values()
    assert sorted(s["Properties"]["AvailabilityZoneId"] for s in subnets) == az_ids


def test_exactly_one_stack_per_integration_is_its_home(synthesized):
    zone, _ = synthesized
    homes = {s.stack_name: s.is_home_region for s in zone.integrations}
    assert homes == {
        "airlock-int0000-eu-central-1": True,
        "airlock-int0001-eu-central-1": True,
        "airlock-int0001-eu-west-1": False,
        "airlock-int0002-eu-west-1": True,  # an integration outside the organization's home region has its own
        "airlock-int0003-eu-west-1": True,  # the first region listed is the home
        "airlock-int0003-eu-central-1": False,
    }


def test_home_region_rule():
    spec = validate(spec_data())
    assert [home_region(i) for i in spec.integrations] == ["eu-central-1"] * 2 + ["eu-west-1"] * 2


def test_no_region_independent_resource_outside_the_home_stack(synthesized):
    zone, assembly = synthesized
    for stack in zone.integrations:
        if stack.is_home_region:
            continue
        types = {r["Type"] for r in assembly.template(stack.stack_name)["Resources"].values()}
        assert not types & REGION_INDEPENDENT_TYPES, stack.stack_name
    check_assembly(assembly.outdir)  # raises on a duplicate


def test_a_global_resource_in_every_region_is_refused_after_synth(tmp_path):
    """A budget guarded by is_home_region passes; a fixed-name role in every region does not."""
    spec = validate(spec_data())
    integration = spec.integration(TWO_REGIONS)
    app = cdk.App(outdir=str(tmp_path), analytics_reporting=False)  # no compliance packs: fast
    for region in integration.regions:
        stack = IntegrationStack(
            app,
            f"airlock-{integration.name}-{region}",
            env=cdk.Environment(account=integration.account.adopt, region=region),
            organization=spec.organization,
            integration=integration,
        )
        if stack.is_home_region:
            budgets.CfnBudget(
                stack,
                "Budget",
                budget=budgets.CfnBudget.BudgetDataProperty(
                    budget_type="COST", time_unit="MONTHLY", budget_limit={"amount": 100, "unit": "USD"}
                ),
            )
        iam.Role(stack, "Fixed", role_name="airlock-fixed", assumed_by=iam.AccountRootPrincipal())
    app.synth()
    with pytest.raises(AssemblyError) as caught:
        check_assembly(tmp_path)
    assert caught.value.problems == [
        "account 300000000001 declares AWS::IAM::Role 'airlock-fixed' in 2 stacks "
        "(airlock-int0001-eu-central-1, airlock-int0001-eu-west-1); IAM names are global per account: "
        "create it only in the stack whose is_home_region is true"
    ]


def template(*types: str, role_name: object = None) -> dict:
    resources = {f"R{n}": {"Type": t, "Properties": {}} for n, t in enumerate(types)}
    if role_name is not None:
        resources["Role"] = {"Type": "AWS::IAM::Role", "Properties": {"RoleName": role_name}}
    return {"Resources": resources}


def test_region_independent_resources_in_two_stacks_of_one_account_are_named():
    problems = duplicated_global_resources(
        [
            StackTemplate("a-eu-central-1", "111111111111", template("AWS::Budgets::Budget")),
            StackTemplate("a-eu-west-1", "111111111111", template("AWS::CE::AnomalyMonitor")),
            StackTemplate("b-eu-west-1", "222222222222", template("AWS::Budgets::Budget")),
        ]
    )
    (problem,) = problems
    assert problem.startswith("account 111111111111 gets region-independent resources from 2 stacks")
    assert "a-eu-central-1: AWS::Budgets::Budget" in problem
    assert "a-eu-west-1: AWS::CE::AnomalyMonitor" in problem


def test_appregistry_is_regional():
    """Each regional stack may register in an application of its own region (names are unique per region)."""
    stacks = [
        StackTemplate(f"a-{r}", "111111111111", template("AWS::ServiceCatalogAppRegistry::Application"))
        for r in ("eu-central-1", "eu-west-1")
    ]
    assert duplicated_global_resources(stacks) == []


def test_generated_iam_names_are_not_duplicates():
    token = {"Fn::Join": ["", ["role-", {"Ref": "AWS::Region"}]]}
    stacks = [
        StackTemplate("a-eu-central-1", "111111111111", template(role_name=token)),
        StackTemplate("a-eu-west-1", "111111111111", template(role_name=token)),
    ]
    assert duplicated_global_resources(stacks) == []
