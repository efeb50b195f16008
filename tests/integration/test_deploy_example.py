"""The example's integration stacks deploy into the emulator, and what they make exists."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.integration


def test_every_integration_stack_is_created(deployed_example):
    assert sorted(deployed_example) == [
        "airlock-crm-eu-central-1",
        "airlock-events-eu-west-1",
        "airlock-payroll-eu-central-1",
    ]
    for _, stack in deployed_example.values():
        assert stack["StackStatus"] == "CREATE_COMPLETE"


def test_vpc_subnets_and_flow_logs_exist(emulator, deployed_example):
    summary, stack = deployed_example["airlock-crm-eu-central-1"]
    ec2 = emulator.client("ec2", summary.account, summary.region)
    vpc_id = emulator.outputs(stack)["VpcId"]
    (vpc,) = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    assert vpc["CidrBlock"] == "10.20.0.0/22"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.20.0.0/24", "10.20.1.0/24", "10.20.2.0/24"]
    flow_logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    (flow_log,) = [f for f in flow_logs if f["LogDestinationType"] == "cloud-watch-logs"]
    assert flow_log["TrafficType"] == "ALL"
    assert flow_log["MaxAggregationInterval"] == 60
    assert "${flow-direction}" in flow_log["LogFormat"]
    gateways = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    assert gateways["InternetGateways"] == []


def test_flow_logs_go_to_the_retained_group_through_the_delivery_role(emulator, deployed_example):
    # The emulator does not record a log group's KMS key or a subnet's MapPublicIpOnLaunch
    # from CloudFormation; the template tests in tests/unit cover those.
    summary, _ = deployed_example["airlock-payroll-eu-central-1"]
    logs = emulator.client("logs", summary.account, summary.region)
    ec2 = emulator.client("ec2", summary.account, summary.region)
    iam = emulator.client("iam", summary.account, summary.region)
    (group,) = [g for g in logs.describe_log_groups()["logGroups"] if "FlowLogGroup" in g["logGroupName"]]
    assert group["retentionInDays"] == 731
    flow_logs = [f for f in ec2.describe_flow_logs()["FlowLogs"] if f["LogGroupName"] == group["logGroupName"]]
    assert len(flow_logs) == 1
    role_name = flow_logs[0]["DeliverLogsPermissionArn"].rsplit("/", 1)[1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": summary.account}


def test_queues_have_dlq_and_kms_key(emulator, deployed_example):
    summary, stack = deployed_example["airlock-events-eu-west-1"]
    sqs = emulator.client("sqs", summary.account, summary.region)
    url = emulator.outputs(stack)["trackingQueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["KmsMasterKeyId"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert int(redrive["maxReceiveCount"]) == 10
    assert redrive["deadLetterTargetArn"].endswith(":230000000003:airlock-events-tracking-dlq.fifo")
