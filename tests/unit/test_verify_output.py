"""`airlock verify` reports (table, JSON, SARIF 2.1.0), policy normalisation and the CLI's bad input."""

from __future__ import annotations

import json

import pytest

from airlock.cli import main
from airlock.verify import Finding, Status, all_checks, policies
from airlock.verify.output import render
from airlock.verify.runner import Report
from tests.conftest import EXAMPLE_SPEC

FINDINGS = [
    Finding("AV-OU-1", Status.OK, "ou-a1b2-1", "OU 'saas-integrations' is ou-a1b2-1", None, "100000000001"),
    Finding("AV-FLOWLOG-1", Status.MISSING, "vpc-1", "the VPC has no flow log", "crm", "210000000001", "eu-central-1"),
    Finding(
        "AV-QUEUE-3",
        Status.ERROR,
        "crm/210000000001/eu-central-1",
        "access denied to sqs:GetQueueUrl in 210000000001",
        "crm",
        "210000000001",
        "eu-central-1",
    ),
]


def _report(findings=FINDINGS) -> Report:
    return Report(findings=list(findings), checks=all_checks())


def test_exit_code_is_zero_only_when_everything_matches():
    assert _report(FINDINGS[:1]).exit_code == 0
    assert _report().exit_code == 1
    assert _report([FINDINGS[2]]).exit_code == 1  # what cannot be read is not a match


def test_text_table_has_a_row_per_finding_and_a_summary():
    text = render(_report(), "text", spec_uri="spec.yaml")
    lines = text.splitlines()
    assert lines[0].split() == ["STATUS", "CHECK", "WHERE", "RESOURCE", "MESSAGE"]
    assert lines[1].split()[:4] == ["ok", "AV-OU-1", "organization/100000000001", "ou-a1b2-1"]
    assert lines[2].split()[:4] == ["missing", "AV-FLOWLOG-1", "crm/210000000001/eu-central-1", "vpc-1"]
    assert lines[3].split()[:2] == ["error", "AV-QUEUE-3"]
    assert "access denied to sqs:GetQueueUrl in 210000000001" in lines[3]
    assert lines[-1] == "3 results: 1 ok, 0 drift, 1 missing, 1 error; the deployment differs from the spec"


def test_json_report():
    data = json.loads(render(_report(), "json", spec_uri="spec.yaml"))
    assert data["passed"] is False
    assert data["summary"] == {"ok": 1, "drift": 0, "missing": 1, "error": 1}
    assert data["findings"][1] == {
        "check_id": "AV-FLOWLOG-1",
        "status": "missing",
        "resource": "vpc-1",
        "message": "the VPC has no flow log",
        "integration": "crm",
        "account": "210000000001",
        "region": "eu-central-1",
    }


def test_sarif_report():
    sarif = json.loads(render(_report(), "sarif", spec_uri="examples/landing-zone.yaml"))
    assert sarif["version"] == "2.1.0"
    assert sarif["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = sarif["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} >= {c.id for c in all_checks()}
    results = run["results"]
    assert [(r["ruleId"], r["kind"], r["level"]) for r in results] == [
        ("AV-OU-1", "pass", "none"),
        ("AV-FLOWLOG-1", "fail", "error"),
        ("AV-QUEUE-3", "fail", "warning"),
    ]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == "examples/landing-zone.yaml"
    assert results[1]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "crm/210000000001/eu-central-1/vpc-1"
    )
    fingerprints = {r["partialFingerprints"]["airlockVerify/v1"] for r in results}
    assert len(fingerprints) == 3


# --- policy normalisation --------------------------------------------------------------------


def test_equivalent_policies_compare_equal():
    left = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": ["b:X", "a:Y"], "Resource": "*", "Principal": "*"}],
    }
    right = {
        "Statement": {"Principal": {"AWS": "*"}, "Resource": ["*"], "Action": ["a:Y", "b:X"], "Effect": "Deny"},
        "Version": "2012-10-17",
    }
    assert policies.same(left, json.dumps(right))
    assert policies.same(
        left,
        "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%5B%22b%3AX%22%2C%22a%3AY%22%5D%2C%22Resource%22%3A%22%2A%22%2C%22Principal%22%3A%22%2A%22%7D%5D%7D",
    )


def test_different_policies_are_told_apart():
    base = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}
    wider = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:Get*", "Resource": "*"}]}
    assert not policies.same(base, wider)
    assert policies.difference(base, wider) == (
        "1 expected statement(s) absent or changed; 1 statement(s) not in the expected document"
    )


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        (
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sqs:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            True,
        ),
        (
            {"Effect": "Deny", "Principal": "*", "Action": "*", "Condition": {"Bool": {"aws:SecureTransport": False}}},
            True,
        ),
        (
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:SendMessage",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            False,
        ),
        (
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sqs:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            False,
        ),
        (
            {
                "Effect": "Deny",
                "Principal": {"AWS": "arn:aws:iam::1:root"},
                "Action": "sqs:*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            False,
        ),
    ],
)
def test_tls_only_policy_recognised(statement, expected):
    assert policies.denies_insecure_transport({"Statement": [statement]}, "sqs") is expected
    assert not policies.denies_insecure_transport(None, "sqs")


# --- CLI bad input ----------------------------------------------------------------------------


def test_verify_is_a_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["verify", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--profile", "--endpoint-url", "--role-name", "--integration", "--format"):
        assert option in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--integration", "nope"], "--integration nope: not in the spec; use one of crm, payroll, events"),
        (["--endpoint-url", "localhost:5000"], "--endpoint-url 'localhost:5000' is not a URL"),
        (["--role-name", "bad role"], "--role-name 'bad role' is not an IAM role name"),
        (["--profile", "no-such-profile"], "--profile 'no-such-profile'"),
    ],
)
def test_bad_arguments_exit_2_without_a_traceback(argv, message, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert main(["verify", str(EXAMPLE_SPEC), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_bad_format_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["verify", str(EXAMPLE_SPEC), "--format", "xml"])
    assert exit_.value.code == 2


def test_invalid_spec_exits_2(tmp_path, capsys):
    spec = tmp_path / "broken.yaml"
    spec.write_text("version: 1\norganization: {}\n")
    assert main(["verify", str(spec)]) == 2
    assert "organization" in capsys.readouterr().err


def test_names_mirror_the_stacks(example_spec):
    from airlock.stacks import integration_stack_name
    from airlock.stacks.integration import queue_base_name
    from airlock.verify import context

    for integration in example_spec.integrations:
        for region in integration.regions:
            assert context.integration_stack_name(integration, region) == integration_stack_name(integration, region)
        for buffer in integration.buffers:
            assert context.queue_base_name(integration, buffer.name) == queue_base_name(integration, buffer.name)


# --- the documentation stays true ------------------------------------------------------------

DOCS = EXAMPLE_SPEC.parent.parent / "docs" / "verify.md"


def test_docs_describe_every_check():
    text = DOCS.read_text()
    for item in all_checks():
        assert f"`{item.id}`" in text, item.id


def test_docs_show_the_least_privilege_policies_and_they_are_real_actions():
    from airlock.verify import permissions
    from tests.iam_catalogue import unknown_actions

    text = DOCS.read_text()
    for block in permissions.render().split("\n\n"):
        assert block.strip() in text
    both = permissions.actions(permissions.MANAGEMENT_POLICY) | permissions.actions(
        permissions.INTERMEDIATE_ACCOUNT_POLICY
    )
    assert unknown_actions(both) == []
    assert not any(action.split(":")[1].startswith(("Create", "Delete", "Put", "Update", "Attach")) for action in both)


def test_every_call_a_check_makes_is_in_the_policies():
    """Every boto3 method name the verify package mentions maps to an action of the policies."""
    import ast
    from pathlib import Path

    from airlock.verify import permissions
    from airlock.verify.aws import action_name
    from tests.verify_stubs import Stubs

    allowed = permissions.actions(permissions.MANAGEMENT_POLICY) | permissions.actions(
        permissions.INTERMEDIATE_ACCOUNT_POLICY
    )
    names = {
        node.value
        for path in (Path(__file__).parents[2] / "airlock" / "verify").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    session = Stubs().session
    used = set()
    for service in ("organizations", "sts", "cloudformation", "ec2", "logs", "sqs", "iam"):
        client = session.client(service)
        mapping = client.meta.method_to_api_mapping
        used |= {action_name(client, mapping[name]) for name in names & set(mapping)}
    assert len(used) >= 20
    assert used - {"sts:GetCallerIdentity"} <= allowed


def test_paginated_operations_are_always_read_through_their_paginator():
    """`Account.call` reads one page; it is used only where one page is the whole answer."""
    import ast
    from pathlib import Path

    from tests.verify_stubs import Stubs

    session = Stubs().session
    single_page = {("cloudformation", "describe_stacks")}  # by StackName: one stack
    seen = set()
    for path in (Path(__file__).parents[2] / "airlock" / "verify").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "call"):
                continue
            constants = [a.value for a in node.args if isinstance(a, ast.Constant)]
            if len(constants) < 2:
                continue
            service, method = constants[0], constants[-1]
            client = session.client(service)
            seen.add((service, method))
            assert not client.can_paginate(method) or (service, method) in single_page, (path.name, method)
    assert len(seen) >= 6, seen
