"""A local AWS emulator (moto server over HTTP) and helpers to deploy synthesized stacks into it.

Clients talk to the server with boto3 exactly as they would to AWS. Each account is reached
by assuming a role in it through the emulator's STS, so resources land in the account the
template was synthesized for.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
from botocore.config import Config

BOOTSTRAP_VERSION_PARAMETER = "/cdk-bootstrap/hnb659fds/version"
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 2})
_TEMPLATE_BUCKET = "airlock-test-templates"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """Run a moto server on a free loopback port; yield its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    with declarative_policies():
        server.start()
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.stop()


#: The policy type moto's Organizations lacks (AWS Organizations has had it since 2024).
DECLARATIVE_EC2 = "DECLARATIVE_POLICY_EC2"


@contextmanager
def declarative_policies() -> Iterator[None]:
    """Teach moto's Organizations the ``DECLARATIVE_POLICY_EC2`` policy type.

    moto 5 refuses the type (InvalidInputException) although its policy store is the same for
    every type: create, attach, list for a target with a type filter, describe. The server runs
    in this process (a thread), so the type is added to moto's list and a declarative policy is
    built like a tag policy and then given its own type and ARN
    (``arn:aws:organizations::<management>:policy/<org>/declarative_policy_ec2/<id>``, the
    format of the AWS Organizations API Reference).
    """
    from moto.organizations import models

    original = models.FakePolicy.__init__

    def init(self: Any, organization: Any, **kwargs: Any) -> None:
        if kwargs.get("Type") != DECLARATIVE_EC2:
            original(self, organization, **kwargs)
            return
        original(self, organization, **{**kwargs, "Type": "TAG_POLICY"})
        self.type = DECLARATIVE_EC2
        self._arn_format = "arn:{0}:organizations::{1}:policy/{2}/declarative_policy_ec2/{3}"

    types = [*models.FakePolicy.SUPPORTED_POLICY_TYPES, DECLARATIVE_EC2]
    with (
        mock.patch.object(models.FakePolicy, "__init__", init),
        mock.patch.object(models.FakePolicy, "SUPPORTED_POLICY_TYPES", types),
    ):
        yield


#: Resource types moto's CloudFormation skips whose attributes other resources read.
NOT_EMULATED = frozenset({"AWS::NetworkFirewall::Firewall"})


def _reads_attribute_of(value: Any, names: set[str]) -> bool:
    if isinstance(value, dict):
        get_att = value.get("Fn::GetAtt")
        if isinstance(get_att, list) and get_att and get_att[0] in names:
            return True
        return any(_reads_attribute_of(item, names) for item in value.values())
    if isinstance(value, list):
        return any(_reads_attribute_of(item, names) for item in value)
    return False


def _nlb_listener(resource: dict[str, Any]) -> bool:
    properties = resource.get("Properties", {})
    return resource.get("Type") == "AWS::ElasticLoadBalancingV2::Listener" and properties.get("Protocol") in {
        "TCP",
        "UDP",
        "TCP_UDP",
        "TLS",
    }


def emulator_compatible(template: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``template`` with the emulator's known defects worked around.

    moto 5.2 reads ``AWS::KMS::Key`` tags as ``TagKey``/``TagValue`` (the KMS API's shape)
    instead of CloudFormation's ``Key``/``Value`` and fails the stack; the tags are renamed
    for it. moto's CloudFormation skips resource types it does not know, and then rejects
    the whole template if another resource reads an attribute of one with ``Fn::GetAtt``:
    resources that read attributes of :data:`NOT_EMULATED` types (the routes to a Network
    Firewall endpoint) are removed, and tests check them on the template instead. moto
    creates every ``AWS::ElasticLoadBalancingV2::LoadBalancer`` as an application load
    balancer (it ignores ``Type``) and then rejects a network load balancer's TCP listeners;
    those listeners are removed too. Nothing else is changed.
    """
    template = json.loads(json.dumps(template))
    resources = template.get("Resources", {})
    skipped = {name for name, resource in resources.items() if resource.get("Type") in NOT_EMULATED}
    for name in [n for n, r in resources.items() if _reads_attribute_of(r, skipped) or _nlb_listener(r)]:
        del resources[name]
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::KMS::Key" and "Tags" in resource.get("Properties", {}):
            resource["Properties"]["Tags"] = [
                {"TagKey": tag["Key"], "TagValue": tag["Value"]} for tag in resource["Properties"]["Tags"]
            ]
    return template


@dataclass
class Emulator:
    """Clients for any account and region of a running moto server."""

    endpoint: str
    _credentials: dict[str, dict[str, str]] = field(default_factory=dict)

    def session(self, account: str = "123456789012", region: str = "eu-central-1") -> boto3.Session:
        if account not in self._credentials:
            sts = boto3.client(
                "sts",
                region_name=region,
                endpoint_url=self.endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
                config=_CONFIG,
            )
            creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/airlock-tests", RoleSessionName="tests")
            self._credentials[account] = creds["Credentials"]
        creds = self._credentials[account]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )

    def client(self, service: str, account: str = "123456789012", region: str = "eu-central-1") -> Any:
        return self.session(account, region).client(service, endpoint_url=self.endpoint, config=_CONFIG)

    def deploy(self, template: dict[str, Any] | Path, stack_name: str, *, account: str, region: str) -> dict[str, Any]:
        """Create a stack from a synthesized template; return its description (with outputs)."""
        if isinstance(template, Path):
            template = json.loads(template.read_text())
        ssm = self.client("ssm", account, region)
        ssm.put_parameter(Name=BOOTSTRAP_VERSION_PARAMETER, Value="30", Type="String", Overwrite=True)
        s3 = self.client("s3", account, region)
        bucket = f"{_TEMPLATE_BUCKET}-{account}-{region}"
        with suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        body = json.dumps(emulator_compatible(template)).encode()
        s3.put_object(Bucket=bucket, Key=f"{stack_name}.json", Body=body)
        cloudformation = self.client("cloudformation", account, region)
        cloudformation.create_stack(
            StackName=stack_name,
            TemplateURL=f"https://s3.{region}.amazonaws.com/{bucket}/{stack_name}.json",
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
        if stack["StackStatus"] != "CREATE_COMPLETE":
            events = cloudformation.describe_stack_events(StackName=stack_name)["StackEvents"]
            reasons = [e.get("ResourceStatusReason") for e in events if "FAILED" in e["ResourceStatus"]]
            raise AssertionError(f"{stack_name}: {stack['StackStatus']}: {reasons}")
        return stack

    @staticmethod
    def outputs(stack: dict[str, Any]) -> dict[str, str]:
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
