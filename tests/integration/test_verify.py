"""`airlock verify` against the example deployed into the local AWS emulator.

The organisation is built through the Organizations API the way the organization stack
builds it (root ``r-a1b2``, the dedicated OU, one account per integration in it, and the
SCPs of the stack's own plan attached to them), the integration stacks come from the
shared ``deployed_example`` fixture. A clean deployment
verifies with no drift; then each test changes one thing, checks that exactly that is
reported with the right check id and exit code 1, and puts it back (the deployment is
shared by the whole session).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import unquote

import pytest
import yaml

from airlock.cli import main
from airlock.spec import load, load_account_lock
from airlock.verify import Sessions, Status, expectations_for, permissions, verify
from tests.conftest import EXAMPLE_SPEC

pytestmark = pytest.mark.integration

MANAGEMENT = "100000000001"
ROOT = "r-a1b2"
ACCOUNTS = {"crm": "210000000001", "payroll": "220000000002", "events": "230000000003"}


# --- the emulated organisation and the parts moto's CloudFormation leaves out ---------------


def _create_account(org: Any, name: str, account_id: str) -> None:
    import moto.organizations.utils as ids

    # moto draws account ids at random; the example's stacks were synthesized for fixed ones.
    with mock.patch.object(ids, "make_random_account_id", return_value=account_id):
        org.create_account(AccountName=f"airlock-{name}", Email=f"aws-airlock-{name}@contoso-freight.example")


def _create_scp(org: Any, policy: Any, description: str, type_: str = "SERVICE_CONTROL_POLICY") -> str:
    # Organizations stores the content as given; the stack's CloudFormation sends it minified.
    return str(
        org.create_policy(
            Name=policy.name,
            Description=description,
            Type=type_,
            Content=json.dumps(policy.document, separators=(",", ":")),
        )["Policy"]["PolicySummary"]["Id"]
    )


@pytest.fixture(scope="session")
def organization(emulator, example_spec) -> dict[str, Any]:
    """The dedicated OU under the example's root, with every integration account in it, and
    the guardrail SCPs and the quarantine SCP of the organization stack's plan
    (:func:`airlock.stacks.guardrail_plan.plan_scps`): each created and attached to its
    target as the stack's ``AWS::Organizations::Policy`` resources are, the quarantine
    attached to no account (no integration of the example is suspended)."""
    import moto.organizations.utils as ids

    from airlock.stacks.guardrail_plan import plan_scps

    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    with mock.patch.object(ids, "make_random_root_id", return_value=ROOT):
        org.create_organization(FeatureSet="ALL")
    ou = org.create_organizational_unit(ParentId=ROOT, Name=example_spec.organization.ou_name)
    ou_id = ou["OrganizationalUnit"]["Id"]
    for name, account_id in ACCOUNTS.items():
        _create_account(org, name, account_id)
        org.move_account(AccountId=account_id, SourceParentId=ROOT, DestinationParentId=ou_id)
    plan = plan_scps(example_spec.organization, example_spec.integrations)
    policy_ids: dict[str, str] = {}
    for target in plan.targets:
        assert target.integration is not None or target.ou_chain == (example_spec.organization.ou_name,)
        target_id = ACCOUNTS[target.integration] if target.integration is not None else ou_id
        for policy in target.policies:
            policy_ids[policy.name] = _create_scp(org, policy, f"saas-airlock guardrails for {target.target}")
            org.attach_policy(PolicyId=policy_ids[policy.name], TargetId=target_id)
    policy_ids[plan.quarantine.name] = _create_scp(org, plan.quarantine, "saas-airlock kill switch")
    # The data-perimeter RCPs of each account (airlock.stacks.perimeter_plan.plan_rcps), and the
    # quarantine RCP attached to none.
    from airlock.stacks.perimeter_plan import plan_rcps

    rcp = "RESOURCE_CONTROL_POLICY"
    rcp_plan = plan_rcps(example_spec.organization, example_spec.integrations)
    for rcp_target in rcp_plan.targets:
        for policy in rcp_target.policies:
            policy_ids[policy.name] = _create_scp(org, policy, f"saas-airlock perimeter for {rcp_target.target}", rcp)
            org.attach_policy(PolicyId=policy_ids[policy.name], TargetId=ACCOUNTS[rcp_target.integration])
    assert rcp_plan.quarantine is not None
    policy_ids[rcp_plan.quarantine.name] = _create_scp(org, rcp_plan.quarantine, "saas-airlock kill switch", rcp)
    # The EC2 declarative policy and the tag policy of the dedicated OU (plan_ou_policies).
    from airlock.stacks.perimeter_plan import plan_ou_policies

    for planned in plan_ou_policies(example_spec.organization, example_spec.integrations):
        policy_ids[planned.name] = _create_scp(org, planned, planned.description, planned.type)
        org.attach_policy(PolicyId=policy_ids[planned.name], TargetId=ou_id)
    return {"ou_id": ou_id, "policy_ids": policy_ids, "plan": plan, "rcp_plan": rcp_plan}


def _resolver(emulator, account: str, region: str, stack_name: str):
    cloudformation = emulator.client("cloudformation", account, region)
    summaries = cloudformation.list_stack_resources(StackName=stack_name)["StackResourceSummaries"]
    physical = {s["LogicalResourceId"]: (s["ResourceType"], s["PhysicalResourceId"]) for s in summaries}
    pseudo = {
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }

    def arn(logical: str) -> str:
        type_, pid = physical[logical]
        if type_ == "AWS::SQS::Queue":
            return f"arn:aws:sqs:{region}:{account}:{pid.rsplit('/', 1)[1]}"
        if type_ == "AWS::KMS::Key":
            return f"arn:aws:kms:{region}:{account}:key/{pid}"
        if type_ == "AWS::IAM::Role":
            return f"arn:aws:iam::{account}:role/{pid}"
        if type_ == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{pid}"
        raise AssertionError(f"no ARN rule for {type_}")

    def resolve(value: Any) -> Any:
        if isinstance(value, list):
            return [resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Ref"}:
            return pseudo.get(value["Ref"]) or physical[value["Ref"]][1]
        if set(value) == {"Fn::GetAtt"}:
            logical, attribute = value["Fn::GetAtt"]
            assert attribute == "Arn", attribute
            return arn(logical)
        if set(value) == {"Fn::Join"}:
            separator, parts = value["Fn::Join"]
            return separator.join(resolve(parts))
        return {key: resolve(inner) for key, inner in value.items()}

    return resolve


@pytest.fixture(scope="session")
def verified_deployment(emulator, deployed_example, example_assembly, organization):
    """The example as CloudFormation would leave it: moto skips queue policies and a log
    group's KmsKeyId, so both are applied here from the templates themselves."""
    for name, (summary, _) in deployed_example.items():
        template = example_assembly.template(name)
        resolve = _resolver(emulator, summary.account, summary.region, name)
        sqs = emulator.client("sqs", summary.account, summary.region)
        logs = emulator.client("logs", summary.account, summary.region)
        cloudformation = emulator.client("cloudformation", summary.account, summary.region)
        for resource in template["Resources"].values():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::SQS::QueuePolicy":
                document = json.dumps(resolve(props["PolicyDocument"]))
                for url in resolve(props["Queues"]):
                    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
        for summary_ in cloudformation.list_stack_resources(StackName=name)["StackResourceSummaries"]:
            if summary_["ResourceType"] != "AWS::Logs::LogGroup":
                continue
            props = template["Resources"][summary_["LogicalResourceId"]]["Properties"]
            group = summary_["PhysicalResourceId"]
            logs.delete_log_group(logGroupName=group)
            logs.create_log_group(logGroupName=group, kmsKeyId=resolve(props["KmsKeyId"]))
            logs.put_retention_policy(logGroupName=group, retentionInDays=props["RetentionInDays"])
    return deployed_example


def _sessions(emulator, hooks=()) -> Sessions:
    return Sessions(
        endpoint_url=emulator.endpoint,
        region="eu-central-1",
        session=emulator.session(MANAGEMENT, "eu-central-1"),
        hooks=list(hooks),
    )


def _verify(emulator, spec_path: Path = EXAMPLE_SPEC, **kwargs: Any):
    return verify(load(spec_path), load_account_lock(spec_path), _sessions(emulator), **kwargs)


def _not_ok(report) -> list[tuple[str, str, str]]:
    return sorted((f.check_id, f.status.value, f.resource) for f in report.findings if f.status is not Status.OK)


@pytest.fixture
def management_credentials(emulator, monkeypatch):
    """The CLI's usual credential chain, pointed at the emulated management account."""
    credentials = emulator.session(MANAGEMENT).get_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)


def _cli(emulator, capsys, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["verify", str(EXAMPLE_SPEC), "--endpoint-url", emulator.endpoint, "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def _cli_not_ok(output: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((f["check_id"], f["status"]) for f in output["findings"] if f["status"] != "ok")


# --- a clean deployment ---------------------------------------------------------------------


def test_clean_deployment_has_no_drift(
    emulator, organization, example_spec, verified_deployment, management_credentials, capsys
):
    code, output = _cli(emulator, capsys)
    assert _cli_not_ok(output) == []
    assert code == 0
    assert output["passed"] is True
    ran = {f["check_id"] for f in output["findings"]}
    assert {
        "AV-OU-1",
        "AV-ACCOUNT-1",
        "AV-STACK-1",
        "AV-FLOWLOG-1",
        "AV-EGRESS-1",
        "AV-EGRESS-3",
        "AV-EGRESS-4",
        "AV-EGRESS-5",
        "AV-ENDPOINT-1",
        "AV-ENDPOINT-2",
        "AV-SCP-1",
        "AV-SCP-2",
        "AV-SCP-3",
        "AV-RCP-1",
        "AV-RCP-2",
        "AV-RCP-3",
        "AV-EC2-1",
        "AV-EC2-2",
        "AV-TAG-1",
        "AV-TAG-2",
        "AV-LOGGROUP-1",
        "AV-QUEUE-1",
        "AV-QUEUE-2",
        "AV-QUEUE-3",
    } <= ran
    accounts = {f["account"] for f in output["findings"] if f["check_id"] == "AV-ACCOUNT-1"}
    assert accounts == set(ACCOUNTS.values())
    rows = {check_id: [f for f in output["findings"] if f["check_id"] == check_id] for check_id in ran}
    # Every SCP of the organization stack's plan, checked on its target: the OU's, each account's.
    plan = organization["plan"]
    on_ou = {f"{organization['ou_id']}/{p.name}" for p in plan.ous()[(example_spec.organization.ou_name,)].policies}
    on_accounts = {f"{ACCOUNTS[name]}/{p.name}" for name, target in plan.accounts().items() for p in target.policies}
    assert on_ou and len(on_accounts) == len(ACCOUNTS)
    assert {f["resource"] for f in rows["AV-SCP-1"]} == on_ou | on_accounts
    assert {f["resource"] for f in rows["AV-SCP-2"]} == {organization["ou_id"], *ACCOUNTS.values()}
    assert {f["account"] for f in rows["AV-SCP-3"]} == set(ACCOUNTS.values())  # none quarantined
    # Every account's RCP checked on its account, and the quarantine RCP on none.
    rcps = {f"{ACCOUNTS[t.integration]}/{p.name}" for t in organization["rcp_plan"].targets for p in t.policies}
    assert len(rcps) == len(ACCOUNTS) and {f["resource"] for f in rows["AV-RCP-1"]} == rcps
    assert {f["account"] for f in rows["AV-RCP-3"]} == set(ACCOUNTS.values())
    # The OU's EC2 declarative policy and tag policy, each checked once, on the dedicated OU.
    assert [f["resource"] for f in rows["AV-EC2-1"]] == [f"{organization['ou_id']}/airlock-ec2-baseline"]
    assert [f["resource"] for f in rows["AV-TAG-1"]] == [f"{organization['ou_id']}/airlock-tags"]
    # One row per endpoint the network builder declares, in its integration and region.
    expected = expectations_for(example_spec, load_account_lock(EXAMPLE_SPEC)).endpoints
    declared = {(name, region, e.service_name) for (name, region), wanted in expected.items() for e in wanted}
    assert len(declared) >= 8  # crm: the vendor's PrivateLink endpoint and four services; events: three
    assert sorted(
        (f["integration"], f["region"], f["message"].split(" with ")[0]) for f in rows["AV-ENDPOINT-2"]
    ) == sorted(declared)
    # The vendor roles the spec declares (crm, payroll) are audited from the spec itself.
    vendor_rows = {(f["check_id"], f["account"]) for f in output["findings"] if f["check_id"].startswith("AV-VENDOR")}
    assert vendor_rows == {
        (check_id, ACCOUNTS[name])
        for check_id in ("AV-VENDOR-1", "AV-VENDOR-2", "AV-VENDOR-3")
        for name in ("crm", "payroll", "events")
    }


def test_text_table_has_one_row_per_result(emulator, verified_deployment, management_credentials, capsys):
    code = main(["verify", str(EXAMPLE_SPEC), "--endpoint-url", emulator.endpoint, "--integration", "events"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[0].split() == ["STATUS", "CHECK", "WHERE", "RESOURCE", "MESSAGE"]
    assert "events/230000000003/eu-west-1" in out
    assert "crm/" not in out  # narrowed to one integration
    assert "the deployment matches the spec" in out


# --- one change at a time -------------------------------------------------------------------


def _stack(verified_deployment, emulator, name: str):
    summary, stack = verified_deployment[name]
    return summary, emulator.outputs(stack)


def test_deleted_flow_log_is_reported(emulator, verified_deployment, management_credentials, capsys):
    # Each change is audited on its own integration (the clean run above covers the rest).
    summary, outputs = _stack(verified_deployment, emulator, "airlock-crm-eu-central-1")
    ec2 = emulator.client("ec2", summary.account, summary.region)
    vpc_id = outputs["VpcId"]
    flows = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    (flow,) = [f for f in flows if f.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs"]
    ec2.delete_flow_logs(FlowLogIds=[flow["FlowLogId"]])
    try:
        code, output = _cli(emulator, capsys, "--integration", "crm")
        assert _cli_not_ok(output) == [("AV-FLOWLOG-1", "missing")]
        (finding,) = [f for f in output["findings"] if f["status"] != "ok"]
        assert finding["resource"] == vpc_id
        assert finding["account"] == summary.account
        assert code == 1
    finally:
        ec2.create_flow_logs(
            ResourceIds=[vpc_id],
            ResourceType="VPC",
            TrafficType=flow["TrafficType"],
            LogGroupName=flow["LogGroupName"],
            DeliverLogsPermissionArn=flow["DeliverLogsPermissionArn"],
            LogFormat=flow["LogFormat"],
            MaxAggregationInterval=flow["MaxAggregationInterval"],
        )


def test_internet_gateway_is_reported(emulator, verified_deployment, management_credentials, capsys):
    summary, outputs = _stack(verified_deployment, emulator, "airlock-payroll-eu-central-1")
    ec2 = emulator.client("ec2", summary.account, summary.region)
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=outputs["VpcId"])
    try:
        code, output = _cli(emulator, capsys, "--integration", "payroll")
        assert _cli_not_ok(output) == [("AV-EGRESS-1", "drift")]
        assert [f["resource"] for f in output["findings"] if f["status"] == "drift"] == [gateway]
        assert code == 1
    finally:
        ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=outputs["VpcId"])
        ec2.delete_internet_gateway(InternetGatewayId=gateway)


def test_endpoint_security_group_open_to_the_world_is_reported(
    emulator, verified_deployment, management_credentials, capsys
):
    summary, outputs = _stack(verified_deployment, emulator, "airlock-crm-eu-central-1")
    ec2 = emulator.client("ec2", summary.account, summary.region)
    vpc_id = outputs["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]]
    group = ec2.create_security_group(GroupName="crm-endpoint", Description="endpoint", VpcId=vpc_id)["GroupId"]
    endpoint = ec2.create_vpc_endpoint(
        VpcId=vpc_id,
        VpcEndpointType="Interface",
        ServiceName="com.amazonaws.eu-central-1.sqs",
        SubnetIds=subnets,
        SecurityGroupIds=[group],
    )["VpcEndpoint"]["VpcEndpointId"]
    try:
        code, output = _cli(emulator, capsys, "--integration", "crm")
        assert code == 0, _cli_not_ok(output)  # an endpoint with a closed group is fine
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
            ],
        )
        code, output = _cli(emulator, capsys, "--integration", "crm")
        assert _cli_not_ok(output) == [("AV-ENDPOINT-1", "drift")]
        (finding,) = [f for f in output["findings"] if f["status"] == "drift"]
        assert finding["resource"] == group
        assert "0.0.0.0/0" in finding["message"]
        assert endpoint in finding["message"]
        assert code == 1
    finally:
        ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint])
        ec2.delete_security_group(GroupId=group)


def test_removed_redrive_policy_is_reported(emulator, verified_deployment, management_credentials, capsys):
    summary, outputs = _stack(verified_deployment, emulator, "airlock-events-eu-west-1")
    sqs = emulator.client("sqs", summary.account, summary.region)
    url = outputs["trackingQueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    # The queue policy is passed along because moto resets it on any attribute change.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": "", "Policy": attributes["Policy"]})
    try:
        code, output = _cli(emulator, capsys, "--integration", "events")
        assert _cli_not_ok(output) == [("AV-QUEUE-1", "drift")]
        (finding,) = [f for f in output["findings"] if f["status"] == "drift"]
        assert finding["resource"] == "arn:aws:sqs:eu-west-1:230000000003:airlock-events-tracking.fifo"
        assert code == 1
    finally:
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"RedrivePolicy": attributes["RedrivePolicy"], "Policy": attributes["Policy"]}
        )


def test_account_moved_out_of_the_ou_is_reported(
    emulator, organization, verified_deployment, management_credentials, capsys
):
    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    account = ACCOUNTS["payroll"]
    org.move_account(AccountId=account, SourceParentId=organization["ou_id"], DestinationParentId=ROOT)
    try:
        code, output = _cli(emulator, capsys, "--integration", "payroll")
        assert _cli_not_ok(output) == [("AV-ACCOUNT-1", "drift")]
        (finding,) = [f for f in output["findings"] if f["status"] == "drift"]
        assert finding["resource"] == account
        assert ROOT in finding["message"]
        assert code == 1
    finally:
        org.move_account(AccountId=account, SourceParentId=ROOT, DestinationParentId=organization["ou_id"])


# --- bounded API calls ----------------------------------------------------------------------


class CallCounter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model, **_: Any) -> None:
        service = model.service_model
        self.calls[f"{service.signing_name or service.endpoint_prefix}:{model.name}"] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())


def _count(emulator, spec_path: Path, **kwargs: Any) -> tuple[CallCounter, Any]:
    """The calls of a verification with the real expectations, as the command line runs it."""
    counter = CallCounter()
    spec, lock = load(spec_path), load_account_lock(spec_path)
    sessions = _sessions(emulator, [("before-call", counter)])
    report = verify(spec, lock, sessions, expectations=expectations_for(spec, lock), **kwargs)
    return counter, report


def _spec_with(tmp_path: Path, names: list[str], extra: list[dict[str, Any]] = ()) -> Path:
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    data["integrations"] = [i for i in data["integrations"] if i["name"] in names] + list(extra)
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "landing-zone.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "landing-zone.accounts.json").write_text(
        (EXAMPLE_SPEC.parent / "landing-zone.accounts.json").read_text()
    )
    return path


def crm_call_bound(spec) -> int:
    """Calls to verify the crm integration (one region, one buffer), with the real expectations.

    sts:GetCallerIdentity and AssumeRole (2); Organizations ListOrganizationalUnitsForParent
    and ListParents (2), ListPoliciesForTarget on the dedicated OU and on the account (2) and
    DescribePolicy once per guardrail SCP planned for those two targets (the quarantine SCP is
    only read where it is attached); ListPoliciesForTarget of the account's RCPs (1) and
    DescribePolicy once per RCP planned for it (the quarantine RCP likewise only where it is
    attached); ListPoliciesForTarget and DescribePolicy for the OU's EC2 declarative policy
    and tag policy (4); IAM GetRole, ListAttachedRolePolicies and
    ListRolePolicies for the vendor role (3); CloudFormation DescribeStacks,
    ListStackResources, GetTemplate (3); EC2 DescribeFlowLogs (1), five egress lookups
    (peering twice: requester and accepter side, 6), DescribeVpcEndpoints (1, shared by both
    endpoint checks) and DescribeSecurityGroups (1, the endpoints' groups); Logs
    DescribeLogGroups per group (flow logs, DNS query logs: 2); SQS GetQueueUrl and
    GetQueueAttributes per queue (two per buffer: 4).
    """
    from airlock.stacks.guardrail_plan import plan_scps

    plan = plan_scps(spec.organization, spec.integrations)
    scps = len(plan.ous()[(spec.organization.ou_name,)].packed) + len(plan.accounts()["crm"].packed)
    from airlock.stacks.perimeter_plan import plan_rcps

    rcps = 1 + len(plan_rcps(spec.organization, spec.integrations).accounts()["crm"].packed)
    return 2 + 2 + 2 + scps + rcps + 4 + 3 + 3 + 1 + 6 + 1 + 1 + 2 + 4


@contextmanager
def _ou_policies_of(emulator, organization, spec_path: Path) -> Iterator[None]:
    """The OU's EC2 and tag policies as another spec plans them (whether any integration has
    filtered egress shapes the EC2 baseline), restored afterwards."""
    from airlock.stacks.perimeter_plan import plan_ou_policies

    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    spec = load(spec_path)
    originals = {}
    for planned in plan_ou_policies(spec.organization, spec.integrations):
        policy_id = organization["policy_ids"][planned.name]
        originals[policy_id] = org.describe_policy(PolicyId=policy_id)["Policy"]["Content"]
        org.update_policy(PolicyId=policy_id, Content=json.dumps(planned.document, separators=(",", ":")))
    try:
        yield
    finally:
        for policy_id, content in originals.items():
            org.update_policy(PolicyId=policy_id, Content=content)


def test_api_calls_are_bounded_and_independent_of_other_integrations(
    emulator, organization, verified_deployment, tmp_path
):
    one = _spec_with(tmp_path / "one", ["crm"])
    bound = crm_call_bound(load(one))
    with _ou_policies_of(emulator, organization, one):
        alone, report = _count(emulator, one)
    assert report.passed, _not_ok(report)
    assert {"AV-SCP-1", "AV-SCP-3", "AV-VENDOR-1", "AV-ENDPOINT-2"} <= {f.check_id for f in report.findings}
    assert alone.total <= bound, alone.calls

    narrowed, report = _count(emulator, EXAMPLE_SPEC, integrations=["crm"])
    assert report.passed, _not_ok(report)
    assert narrowed.calls == alone.calls

    # Many more integrations, with their accounts in the OU: verifying crm costs the same.
    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    ou_id = verify_ou_id(org)
    template = yaml.safe_load(EXAMPLE_SPEC.read_text())["integrations"][2]
    extra = []
    for index in range(4):
        account_id = f"2400000000{index:02d}"
        with suppress(org.exceptions.DuplicateAccountException):
            _create_account(org, f"noise{index}", account_id)
        org.move_account(AccountId=account_id, SourceParentId=ROOT, DestinationParentId=ou_id)
        network = {**template["network"], "cidr": f"10.30.{4 * index}.0/22"}
        access = {**template["access"], "external_id": f"noise-{index}-external-id-0001"}
        extra.append(
            {
                **template,
                "name": f"noise{index}",
                "account": {"adopt": account_id},
                "network": network,
                "access": access,
            }
        )
    crowded = _spec_with(tmp_path / "many", ["crm", "payroll", "events"], extra)
    in_crowd, _ = _count(emulator, crowded, integrations=["crm"])
    assert in_crowd.calls == alone.calls

    # Verifying everything grows with the integrations verified, not faster.
    everything, _ = _count(emulator, crowded)
    assert everything.total <= bound * len(load(crowded).integrations)

    # ... and every call is one the documented least-privilege policies allow.
    allowed = permissions.actions(permissions.MANAGEMENT_POLICY) | permissions.actions(
        permissions.INTERMEDIATE_ACCOUNT_POLICY
    )
    assert set(everything.calls) - {"sts:GetCallerIdentity"} <= allowed  # GetCallerIdentity needs no permission


def verify_ou_id(org) -> str:
    (ou,) = org.list_organizational_units_for_parent(ParentId=ROOT)["OrganizationalUnits"]
    return ou["Id"]


# --- the organisation's SCPs, against the organization stack's own plan --------------------


@pytest.mark.parametrize(
    ("policy", "integration"),
    [("airlock-ou-saas-integrations-1", "crm"), ("airlock-integration-payroll-1", "payroll")],
)
def test_detached_scp_is_reported(
    emulator, organization, verified_deployment, management_credentials, capsys, policy, integration
):
    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    target = organization["ou_id"] if policy.startswith("airlock-ou-") else ACCOUNTS[integration]
    policy_id = organization["policy_ids"][policy]
    org.detach_policy(PolicyId=policy_id, TargetId=target)
    try:
        code, output = _cli(emulator, capsys, "--integration", integration)
        assert _cli_not_ok(output) == [("AV-SCP-1", "missing")]
        (finding,) = [f for f in output["findings"] if f["status"] != "ok"]
        assert finding["resource"] == f"{target}/{policy}"
        assert code == 1
    finally:
        org.attach_policy(PolicyId=policy_id, TargetId=target)


def test_changed_tag_policy_and_detached_ec2_policy_are_reported(
    emulator, organization, verified_deployment, management_credentials, capsys
):
    """Someone relaxes the OU's tag policy (any data classification) and detaches the EC2
    baseline: both show, by the attribute that changed and by the policy that is missing."""
    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    tags, ec2 = organization["policy_ids"]["airlock-tags"], organization["policy_ids"]["airlock-ec2-baseline"]
    original = org.describe_policy(PolicyId=tags)["Policy"]["Content"]
    relaxed = json.loads(original)
    del relaxed["tags"]["airlock:data-classification"]["tag_value"]
    org.update_policy(PolicyId=tags, Content=json.dumps(relaxed))
    org.detach_policy(PolicyId=ec2, TargetId=organization["ou_id"])
    try:
        code, output = _cli(emulator, capsys, "--integration", "events")
        assert _cli_not_ok(output) == [("AV-EC2-1", "missing"), ("AV-TAG-1", "drift")]
        (drift,) = [f for f in output["findings"] if f["check_id"] == "AV-TAG-1"]
        assert "tags.airlock:data-classification.tag_value" in drift["message"]
        assert code == 1
    finally:
        org.update_policy(PolicyId=tags, Content=original)
        org.attach_policy(PolicyId=ec2, TargetId=organization["ou_id"])


def test_weakened_scp_is_reported(emulator, organization, verified_deployment, management_credentials, capsys):
    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    policy_id = organization["policy_ids"]["airlock-ou-saas-integrations-1"]
    original = org.describe_policy(PolicyId=policy_id)["Policy"]["Content"]
    document = json.loads(original)
    org.update_policy(PolicyId=policy_id, Content=json.dumps({**document, "Statement": document["Statement"][1:]}))
    try:
        code, output = _cli(emulator, capsys, "--integration", "events")
        assert _cli_not_ok(output) == [("AV-SCP-1", "drift")]
        (finding,) = [f for f in output["findings"] if f["status"] != "ok"]
        assert "1 expected statement(s) absent or changed" in finding["message"]
        assert code == 1
    finally:
        org.update_policy(PolicyId=policy_id, Content=original)


def test_quarantine_on_an_active_integration_is_reported(
    emulator, organization, verified_deployment, management_credentials, capsys
):
    org = emulator.client("organizations", MANAGEMENT, "eu-central-1")
    policy_id = organization["policy_ids"]["airlock-quarantine"]
    org.attach_policy(PolicyId=policy_id, TargetId=ACCOUNTS["events"])
    try:
        code, output = _cli(emulator, capsys, "--integration", "events")
        assert _cli_not_ok(output) == [("AV-SCP-3", "drift")]
        assert code == 1
    finally:
        org.detach_policy(PolicyId=policy_id, TargetId=ACCOUNTS["events"])


def test_missing_vendor_endpoint_is_reported(emulator, verified_deployment, management_credentials, capsys):
    summary, outputs = _stack(verified_deployment, emulator, "airlock-crm-eu-central-1")
    ec2 = emulator.client("ec2", summary.account, summary.region)
    service = "com.amazonaws.vpce.eu-central-1.vpce-svc-0a1b2c3d4e5f60718"  # the example's Nimbus endpoint
    (endpoint,) = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [outputs["VpcId"]]}, {"Name": "service-name", "Values": [service]}]
    )["VpcEndpoints"]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    try:
        code, output = _cli(emulator, capsys, "--integration", "crm")
        assert _cli_not_ok(output) == [("AV-ENDPOINT-2", "missing")]
        (finding,) = [f for f in output["findings"] if f["status"] != "ok"]
        assert finding["resource"] == service
        assert code == 1
    finally:
        ec2.create_vpc_endpoint(
            VpcId=outputs["VpcId"],
            VpcEndpointType="Interface",
            ServiceName=service,
            SubnetIds=endpoint["SubnetIds"],
            SecurityGroupIds=[group["GroupId"] for group in endpoint["Groups"]],
            PrivateDnsEnabled=False,
        )
    code, output = _cli(emulator, capsys, "--integration", "crm")
    assert code == 0, _cli_not_ok(output)


# --- the vendor role the crm stack deployed ---------------------------------------------------


@pytest.fixture
def crm_vendor_role(emulator, example_spec, verified_deployment):
    """The IAM client of the crm account and the name of the vendor role its stack deployed."""
    role_name = expectations_for(example_spec, load_account_lock(EXAMPLE_SPEC)).vendor_roles["crm"].role_name
    iam = emulator.client("iam", ACCOUNTS["crm"], "eu-central-1")
    iam.get_role(RoleName=role_name)  # deployed by CloudFormation, not made up here
    return iam, role_name


def _trust_of(iam, role_name: str) -> dict[str, Any]:
    document = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    return json.loads(unquote(document)) if isinstance(document, str) else document


def test_vendor_trust_without_external_id_is_reported(emulator, crm_vendor_role, management_credentials, capsys):
    iam, role_name = crm_vendor_role
    trust = _trust_of(iam, role_name)
    (vendor,) = {
        principal
        for statement in trust["Statement"]
        for principal in ([statement["Principal"]["AWS"]] if isinstance(statement["Principal"]["AWS"], str) else [])
    }
    loose = {"Effect": "Allow", "Principal": {"AWS": vendor}, "Action": "sts:AssumeRole"}
    iam.update_assume_role_policy(
        RoleName=role_name, PolicyDocument=json.dumps({**trust, "Statement": [*trust["Statement"], loose]})
    )
    try:
        code, output = _cli(emulator, capsys, "--integration", "crm")
        assert _cli_not_ok(output) == [("AV-VENDOR-1", "drift")]
        assert code == 1
    finally:
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))


def test_extra_policy_on_the_vendor_role_is_reported(emulator, crm_vendor_role, management_credentials, capsys):
    iam, role_name = crm_vendor_role
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    extra = iam.create_policy(PolicyName="just-one-more-permission", PolicyDocument=json.dumps(everything))
    iam.attach_role_policy(RoleName=role_name, PolicyArn=extra["Policy"]["Arn"])
    try:
        code, output = _cli(emulator, capsys, "--integration", "crm")
        assert _cli_not_ok(output) == [("AV-VENDOR-3", "drift")]
        assert code == 1
    finally:
        iam.detach_role_policy(RoleName=role_name, PolicyArn=extra["Policy"]["Arn"])
        iam.delete_policy(PolicyArn=extra["Policy"]["Arn"])


# --- under faults ---------------------------------------------------------------------------


def _verify_through(proxy, capsys) -> tuple[int, dict[str, Any]]:
    code = main(
        ["verify", str(EXAMPLE_SPEC), "--endpoint-url", proxy.url, "--format", "json", "--integration", "events"]
    )
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "not in the spec" not in captured.err
    return code, json.loads(captured.out)


def _rows(output: dict[str, Any]) -> dict[str, set[str]]:
    rows: dict[str, set[str]] = {}
    for finding in output["findings"]:
        rows.setdefault(finding["status"], set()).add(f"{finding['check_id']} {finding['resource']}")
    return rows


def test_verify_under_faults_reports_what_it_could_not_read_as_errors_never_as_results(
    emulator, verified_deployment, management_credentials, capsys, monkeypatch
):
    from airlock import aws_calls
    from tests.faults import FAULTS, FaultProxy

    monkeypatch.setattr(
        aws_calls, "POLICY", aws_calls.RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, read_timeout=5)
    )
    summary, outputs = _stack(verified_deployment, emulator, "airlock-events-eu-west-1")
    sqs = emulator.client("sqs", summary.account, summary.region)
    url = outputs["trackingQueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    # A real drift, to be found through the faults: the FIFO buffer's redrive policy is gone.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": "", "Policy": attributes["Policy"]})
    drifted = "AV-QUEUE-1 arn:aws:sqs:eu-west-1:230000000003:airlock-events-tracking.fifo"
    proxy = FaultProxy(emulator.endpoint, seed=3, slow_seconds=0.3)
    try:
        with proxy.running():
            # Every answer to GetQueueUrl is empty: the queue checks are errors, not "missing",
            # and not an unknown --integration.
            proxy.configure(rate=1.0, faults=("empty",), operations=frozenset({"GetQueueUrl"}))
            code, output = _verify_through(proxy, capsys)
            rows = _rows(output)
            assert code == 1 and output["passed"] is False
            assert {row.split()[0] for row in rows["error"]} == {"AV-QUEUE-1", "AV-QUEUE-2", "AV-QUEUE-3"}
            assert all("sqs:GetQueueUrl" in f["message"] for f in output["findings"] if f["status"] == "error")
            assert set(rows) == {"ok", "error"}

            # Faults of every kind anywhere: what could be read is right, the rest is an error.
            proxy.configure(rate=0.25, faults=FAULTS, operations=None)
            code, output = _verify_through(proxy, capsys)
            rows = _rows(output)
            assert set(proxy.injected) == set(FAULTS), proxy.injected
            assert code == 1 and output["passed"] is False
            assert set(rows) <= {"ok", "error", "drift"}
            assert rows.get("drift", set()) <= {drifted}
            assert drifted not in rows.get("ok", set())

            # Without faults, the same run finds exactly the drift.
            proxy.configure(rate=0.0)
            code, output = _verify_through(proxy, capsys)
            assert (code, _cli_not_ok(output)) == (1, [("AV-QUEUE-1", "drift")])
    finally:
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"RedrivePolicy": attributes["RedrivePolicy"], "Policy": attributes["Policy"]}
        )
