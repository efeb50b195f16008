"""The AWS layer of `airlock verify`: errors made readable, retries, pagination, sessions."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from airlock import aws_calls
from airlock.aws_calls import RetryPolicy
from airlock.verify import ApiError, Sessions, SetupError, Status, verify
from airlock.verify.aws import DEFAULT_CONFIG, Account
from airlock.verify.checks.network import flow_logs
from airlock.verify.registry import REGISTRY
from airlock.verify.runner import run_check
from tests.verify_stubs import (
    CRM,
    EC2_FLOW_LOGS,
    EC2_THROTTLED,
    MANAGEMENT,
    REGION,
    Stubs,
    canned_http,
    denied,
    make_lock,
    make_spec,
    network_stack,
    with_stack,
)


def test_calls_are_retried_by_airlock_not_twice_by_botocore():
    # botocore makes one attempt per call; airlock.aws_calls retries (throttling in every
    # protocol's spelling, 5xx, network faults, unreadable answers).
    assert DEFAULT_CONFIG.retries["total_max_attempts"] == 1
    assert aws_calls.POLICY.attempts == 5


def test_access_denied_names_the_action_and_the_account():
    stubs = Stubs()
    denied(stubs("ec2", "444455556666"), "describe_flow_logs", "UnauthorizedOperation")
    with pytest.raises(ApiError, match=r"^access denied to ec2:DescribeFlowLogs in 444455556666$"):
        stubs.account("444455556666").call("ec2", REGION, "describe_flow_logs")


@pytest.mark.parametrize("code", ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"])
def test_every_flavour_of_denial_is_recognised(code):
    stubs = Stubs()
    denied(stubs("sqs"), "get_queue_url", code)
    with pytest.raises(ApiError, match=f"access denied to sqs:GetQueueUrl in {CRM}"):
        stubs.account(CRM).call("sqs", REGION, "get_queue_url", QueueName="q")


def test_a_denied_call_is_an_error_row_of_its_check_not_a_traceback():
    stubs = Stubs()
    denied(stubs("ec2"), "describe_flow_logs", "UnauthorizedOperation")
    ctx = with_stack(stubs.context(integration="crm", region=REGION), network_stack())
    (finding,) = run_check(REGISTRY["AV-FLOWLOG-1"], ctx)
    assert finding.status is Status.ERROR
    assert finding.check_id == "AV-FLOWLOG-1"
    assert finding.message == f"access denied to ec2:DescribeFlowLogs in {CRM}"
    assert finding.resource == f"crm/{CRM}/{REGION}"


def test_throttling_is_retried_with_backoff(monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(aws_calls, "POLICY", RetryPolicy(sleep=sleeps.append))
    stubs = Stubs()
    account = stubs.account(CRM)
    client = account.client("ec2", REGION)
    attempts = canned_http(
        client, "before-send.ec2.DescribeFlowLogs", [(503, EC2_THROTTLED), (503, EC2_THROTTLED), (200, EC2_FLOW_LOGS)]
    )
    ctx = with_stack(stubs.context(integration="crm", region=REGION), network_stack())
    (finding,) = flow_logs(ctx)
    assert finding.status is Status.OK, finding.message
    assert attempts == [503, 503, 200]
    assert len(sleeps) == 2  # backed off before each retry
    assert 0 <= sleeps[0] <= 0.25 and 0 <= sleeps[1] <= 0.5  # full jitter over a doubling step


def test_throttling_that_outlasts_the_retries_is_reported(monkeypatch):
    monkeypatch.setattr(aws_calls, "POLICY", RetryPolicy(attempts=3, sleep=lambda _: None))
    account = Account(CRM, Stubs().session)
    attempts = canned_http(account.client("ec2", REGION), "before-send.ec2.DescribeFlowLogs", [(503, EC2_THROTTLED)])
    with pytest.raises(ApiError, match=r"ec2:DescribeFlowLogs in 210000000001 was still throttled after 3 attempts"):
        account.call("ec2", REGION, "describe_flow_logs")
    assert len(attempts) == 3


def test_pages_are_followed_to_the_end():
    stubs = Stubs()
    ec2 = stubs("ec2")
    ec2.add_response("describe_vpc_endpoints", {"VpcEndpoints": [{"VpcEndpointId": "vpce-1"}], "NextToken": "t1"})
    ec2.add_response("describe_vpc_endpoints", {"VpcEndpoints": [{"VpcEndpointId": "vpce-2"}]}, {"NextToken": "t1"})
    items = stubs.account(CRM).items("ec2", REGION, "describe_vpc_endpoints", "VpcEndpoints")
    assert [i["VpcEndpointId"] for i in items] == ["vpce-1", "vpce-2"]
    stubs.assert_no_pending_responses()


def test_a_role_that_cannot_be_assumed_is_tried_once_and_explained():
    stubs = Stubs()
    sts = stubs("sts", MANAGEMENT, REGION)
    denied(sts, "assume_role")
    stubs.sessions.region = REGION
    for _ in range(2):
        with pytest.raises(
            ApiError, match=r"cannot assume arn:aws:iam::444455556666:role/OrganizationAccountAccessRole"
        ):
            stubs.sessions.account("444455556666")
    stubs.assert_no_pending_responses()


def test_the_callers_own_account_needs_no_role():
    stubs = Stubs()
    assert stubs.sessions.account(MANAGEMENT) is stubs.sessions.caller()


def test_hooks_are_registered_on_assumed_sessions():
    seen = []
    stubs = Stubs()
    stubs.sessions.hooks = [("provide-client-params", lambda model, **_: seen.append(model.name))]
    stubs.sessions.region = REGION
    credentials = {"AccessKeyId": "a" * 16, "SecretAccessKey": "b", "SessionToken": "c", "Expiration": "2030-01-01"}
    stubs("sts", MANAGEMENT).add_response(
        "assume_role",
        {"Credentials": credentials},
        {
            "RoleArn": "arn:aws:iam::444455556666:role/OrganizationAccountAccessRole",
            "RoleSessionName": "airlock-verify",
        },
    )
    account = stubs.sessions.account("444455556666")
    client = account.client("ec2", REGION)
    with Stubber(client) as stubber:
        stubber.add_response("describe_vpcs", {"Vpcs": []})
        client.describe_vpcs()
    assert seen == ["DescribeVpcs"]


def test_no_credentials_is_bad_input(monkeypatch, tmp_path):
    for key in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(SetupError, match="no AWS credentials found"):
        Sessions(region=REGION).caller()


def test_unknown_profile_is_bad_input(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(SetupError, match="--profile 'nope'"):
        Sessions(profile="nope", region=REGION).caller()


def test_unknown_integration_is_refused():
    with pytest.raises(KeyError, match="nope"):
        verify(make_spec(), make_lock(), Stubs().sessions, integrations=["nope"])


def test_an_answer_a_check_cannot_read_is_an_error_row_not_an_unknown_integration():
    from airlock.verify.registry import Check, Scope

    def reads_a_key_that_is_not_there(ctx):
        return [ctx.ok("AV-TEST-1", "x", {}["QueueUrl"])]

    item = Check("AV-TEST-1", "test", Scope.REGION, reads_a_key_that_is_not_there)
    report = verify(make_spec(), make_lock(), Stubs().sessions, integrations=["crm"], checks=[item])
    (finding,) = report.findings
    assert finding.status is Status.ERROR
    assert "could not read what AWS answered (KeyError: 'QueueUrl')" in finding.message
    assert report.exit_code == 1


def test_an_endpoint_that_never_answers_is_exit_1_not_bad_input(monkeypatch, capsys):
    from airlock.cli import main
    from tests.conftest import EXAMPLE_SPEC

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # Nothing listens on port 9: the network, not the input, is at fault.
    assert main(["verify", str(EXAMPLE_SPEC), "--endpoint-url", "http://127.0.0.1:9"]) == 1
    err = capsys.readouterr().err
    assert "sts:GetCallerIdentity" in err and "failed after 5 attempts" in err and "nothing was audited" in err
    assert "Traceback" not in err


def test_an_unknown_integration_is_bad_input_before_any_aws_call(monkeypatch, capsys):
    from airlock.cli import main
    from tests.conftest import EXAMPLE_SPEC

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert main(["verify", str(EXAMPLE_SPEC), "--endpoint-url", "http://127.0.0.1:9", "--integration", "nope"]) == 2
    assert "--integration nope: not in the spec" in capsys.readouterr().err
