"""`airlock redrive` and `airlock accounts sync` against the emulator behind a proxy that injects faults.

Each test runs the command through its command-line entry point, with the proxy of
tests/faults.py between it and the emulator (HTTP 5xx, throttling in JSON and query shapes,
connection resets before and after forwarding, malformed and empty bodies, slow answers,
at a seeded rate), and holds what docs/resilience.md promises for a run under faults:

* no traceback, and the documented exit code: 0 only when the job is done, 1 with what was
  done and "run again" when it is not (never 2: the input is fine);
* nothing is lost, and duplicates stay within what the docs allow;
* a second run, without faults, completes.

`airlock verify` under faults is tested in test_verify.py, beside its deployment fixtures.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import Counter

import pytest

from airlock import aws_calls
from airlock.cli import main
from airlock.operations import redrive, redrive_copy
from tests.conftest import EXAMPLE_SPEC
from tests.faults import FAULTS, FaultProxy
from tests.integration.fast_sqs import fast_sqs
from tests.specs import dump, spec_data

pytestmark = pytest.mark.integration

#: Faster than production, same logic: six attempts per call, short backoff and timeouts.
FAST = aws_calls.RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05, connect_timeout=2, read_timeout=5)
HOLD_SECONDS = 2


@pytest.fixture(autouse=True)
def _fast(monkeypatch):
    monkeypatch.setattr(aws_calls, "POLICY", FAST)
    monkeypatch.setattr(redrive_copy, "HOLD_SECONDS", HOLD_SECONDS)
    monkeypatch.setattr(redrive, "SETTLE_SECONDS", 0.2)
    with fast_sqs():
        yield


def credentials_of(emulator, monkeypatch, account: str, region: str) -> None:
    frozen = emulator.session(account, region).get_credentials().get_frozen_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", frozen.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", frozen.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", frozen.token)


def depth(sqs, url) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesNotVisible"])


def drain(sqs, url) -> list[str]:
    bodies: list[str] = []
    for _ in range(500):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not messages:
            if depth(sqs, url) == (0, 0):
                return bodies
            time.sleep(0.5)  # FIFO groups wait while a message of theirs is in flight
            continue
        bodies += [m["Body"] for m in messages]
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
        )
    raise AssertionError(f"{url} did not drain")


def settled(sqs, url, seconds: float = HOLD_SECONDS + 8) -> tuple[int, int]:
    """The DLQ's counts once what a run held is visible again."""
    deadline = time.monotonic() + seconds
    while depth(sqs, url)[1] and time.monotonic() < deadline:
        time.sleep(0.2)
    return depth(sqs, url)


ROUNDS = 5
RATE = 0.3
REDRIVES = {
    # integration, buffer, stack, fifo, messages, seed
    "standard": ("payroll", "payroll-files", "airlock-payroll-eu-central-1", False, 60, 1),
    "fifo": ("events", "tracking", "airlock-events-eu-west-1", True, 40, 1),
}


@pytest.mark.parametrize("kind", sorted(REDRIVES))
def test_a_redrive_under_faults_loses_nothing_and_a_second_run_completes(
    emulator, deployed_example, monkeypatch, capsys, kind
):
    integration, buffer, stack, fifo, count, seed = REDRIVES[kind]
    summary, _ = deployed_example[stack]
    sqs = emulator.client("sqs", summary.account, summary.region)
    suffix = ".fifo" if fifo else ""
    source = sqs.get_queue_url(QueueName=f"airlock-{integration}-{buffer}{suffix}")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=f"airlock-{integration}-{buffer}-dlq{suffix}")["QueueUrl"]
    drain(sqs, source), drain(sqs, dlq)
    bodies = [json.dumps({"kind": kind, "n": n}) for n in range(count)]
    credentials_of(emulator, monkeypatch, summary.account, summary.region)
    argv = ["redrive", str(EXAMPLE_SPEC), integration, buffer, "--endpoint-url"]

    proxy = FaultProxy(emulator.endpoint, seed=seed, slow_seconds=0.3)
    codes = []
    with proxy.running():
        for round_ in range(ROUNDS):  # each round, more dead letters arrive and a run meets faults
            if round_ == 0:  # every answer to a receive is lost: the run cannot move anything
                proxy.configure(rate=1.0, faults=("reset-after",), operations=frozenset({"ReceiveMessage"}))
            else:
                proxy.configure(rate=RATE, faults=FAULTS, operations=None)
            settled(sqs, dlq)
            for n in range(round_, count, ROUNDS):
                extra = {"MessageGroupId": f"shipment-{n % 3}", "MessageDeduplicationId": f"{kind}-{n}"} if fifo else {}
                sqs.send_message(QueueUrl=dlq, MessageBody=bodies[n], **extra)
            code = main([*argv, proxy.url])
            out, err = capsys.readouterr()
            assert "Traceback" not in out + err
            codes.append(code)
            if code == 0:
                assert depth(sqs, dlq) == (0, 0)  # "done" is true
            else:
                assert code == 1, (out, err)
                assert "run again" in out + err and "no message is lost" in out + err
        assert codes[0] == 1
        assert set(proxy.injected) == set(FAULTS), proxy.injected  # every kind of fault was met

        proxy.configure(rate=0.0)
        left = settled(sqs, dlq)
        second = main([*argv, proxy.url])
        out = capsys.readouterr().out
        assert second == 0, out
        assert f"moved {left[0]} messages" in out
        assert depth(sqs, dlq) == (0, 0)

    arrived = Counter(drain(sqs, source))
    assert set(arrived) == set(bodies)  # nothing lost
    duplicates = sum(arrived.values()) - len(bodies)
    if fifo:
        assert duplicates == 0  # SQS drops a repeated copy within five minutes
    else:  # at most one batch per send or delete whose answer went missing
        assert duplicates <= 10 * (proxy.faulted["SendMessageBatch"] + proxy.faulted["DeleteMessageBatch"])


_ACCOUNTS = itertools.count(100000000091)


def test_accounts_sync_under_faults_writes_all_or_nothing_and_a_second_run_completes(
    emulator, monkeypatch, tmp_path, capsys
):
    management = str(next(_ACCOUNTS))
    credentials_of(emulator, monkeypatch, management, "us-east-1")
    org = emulator.client("organizations", management, "us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    dedicated = org.create_organizational_unit(ParentId=root, Name="saas-integrations")["OrganizationalUnit"]["Id"]
    status = org.create_account(AccountName="airlock-payroll", Email="payroll@example.com")["CreateAccountStatus"]
    account = org.describe_create_account_status(CreateAccountRequestId=status["Id"])["CreateAccountStatus"]
    org.move_account(AccountId=account["AccountId"], SourceParentId=root, DestinationParentId=dedicated)
    spec = tmp_path / "landing-zone.yaml"
    spec.write_text(
        dump(spec_data(**{"organization.parent_id": root, "organization.management_account_id": management}))
    )
    lock = tmp_path / "landing-zone.accounts.json"
    expected = {"accounts": {"payroll": account["AccountId"]}}

    proxy = FaultProxy(emulator.endpoint, seed=5, slow_seconds=0.3)
    with proxy.running():
        # The accounts of the dedicated OU cannot be listed: exit 1, the old lock file untouched.
        lock.write_text('{"accounts": {"payroll": "999999999999"}}\n')
        proxy.configure(rate=1.0, faults=("5xx", "reset-before"), operations=frozenset({"ListAccountsForParent"}))
        assert main(["accounts", "sync", str(spec), "--endpoint-url", proxy.url]) == 1
        err = capsys.readouterr().err
        assert "organizations:ListAccountsForParent failed after 6 attempts" in err
        assert "nothing was written, run again" in err and "Traceback" not in err
        assert json.loads(lock.read_text()) == {"accounts": {"payroll": "999999999999"}}

        proxy.configure(rate=0.6, faults=FAULTS, operations=None)
        for _ in range(6):
            lock.unlink(missing_ok=True)
            code = main(["accounts", "sync", str(spec), "--endpoint-url", proxy.url])
            out, err = capsys.readouterr()
            assert "Traceback" not in out + err
            if code == 0:
                assert json.loads(lock.read_text()) == expected
            else:
                assert code == 1, (out, err)
                assert "nothing was written, run again" in err and not lock.exists()
        assert set(proxy.injected) == set(FAULTS), proxy.injected

        proxy.configure(rate=0.0)
        assert main(["accounts", "sync", str(spec), "--endpoint-url", proxy.url]) == 0
        assert json.loads(lock.read_text()) == expected
        assert main(["accounts", "sync", str(spec), "--check", "--endpoint-url", proxy.url]) == 0
        assert "up to date" in capsys.readouterr().out
