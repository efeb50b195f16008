"""What the synthesized templates say about each integration, read generically.

Resources are assigned to an integration by the ``airlock:integration`` tag of their stack
(or of the resource itself), and sorted into the register's sections by their CloudFormation
type, so resources that new stacks or constructs add appear without changes here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INTEGRATION_TAG = "airlock:integration"

#: Register sections, by CloudFormation type or type prefix (a prefix ends in '::').
SECTIONS: dict[str, tuple[str, ...]] = {
    "roles": ("AWS::IAM::Role",),
    "endpoints": ("AWS::EC2::VPCEndpoint", "AWS::EC2::VPCEndpointService"),
    "guardrails": ("AWS::Organizations::Policy",),
    "filtering": (
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::NetworkAcl",
        "AWS::EC2::VPCEndpointServicePermissions",
        "AWS::NetworkFirewall::",
        "AWS::Route53Resolver::FirewallDomainList",
        "AWS::Route53Resolver::FirewallRuleGroup",
        "AWS::Route53Resolver::FirewallRuleGroupAssociation",
        "AWS::Route53::HostedZone",
        "AWS::Route53::RecordSet",
        "AWS::SQS::QueuePolicy",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::WAFv2::WebACL",
        "AWS::WAFv2::IPSet",
        "AWS::WAFv2::WebACLAssociation",
        "AWS::ApiGateway::RequestValidator",
    ),
    "logging": (
        "AWS::EC2::FlowLog",
        "AWS::Logs::",
        "AWS::CloudWatch::",
        "AWS::CloudTrail::",
        "AWS::WAFv2::LoggingConfiguration",
    ),
    "resilience": ("AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::Events::", "AWS::Backup::"),
}


def section_of(resource_type: str) -> str | None:
    for section, types in SECTIONS.items():
        for known in types:
            if resource_type == known or (known.endswith("::") and resource_type.startswith(known)):
                return section
    return None


@dataclass(frozen=True)
class StackTemplate:
    name: str
    account: str
    region: str
    tags: dict[str, str]
    template: dict[str, Any]

    @property
    def integration(self) -> str | None:
        return self.tags.get(INTEGRATION_TAG)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.template.get("Resources", {}))


@dataclass(frozen=True)
class Assembly:
    """The stacks of a cloud assembly and its compliance findings by stack."""

    stacks: tuple[StackTemplate, ...]
    #: Unacknowledged and acknowledged findings per stack name: (rule, construct path).
    findings: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    acknowledged: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    packs: tuple[str, ...] = ()
    has_report: bool = False
    #: The assembly folder, for readers that need more than the templates (the access proof).
    outdir: Path | None = None
    #: (stack, logical id) -> what the resource is for, from the spec-origin marks of the assembly.
    purposes: dict[tuple[str, str], str] = field(default_factory=dict)

    def stacks_of(self, integration: str) -> list[StackTemplate]:
        return [s for s in self.stacks if s.integration == integration]

    def shared_stacks(self) -> list[StackTemplate]:
        return [s for s in self.stacks if s.integration is None]


def read_assembly(outdir: Path) -> Assembly:
    """Read ``outdir``'s manifest, templates and validation report."""
    from airlock.compliance import read_report
    from airlock.compliance.origins import resource_purposes

    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    stacks = []
    for name, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        template = json.loads((outdir / properties["templateFile"]).read_text(encoding="utf-8"))
        environment = artifact.get("environment", "aws://unknown/unknown").removeprefix("aws://")
        account, _, region = environment.partition("/")
        tags = properties.get("tags") or _stack_tags_from_metadata(artifact)
        stacks.append(StackTemplate(name=name, account=account, region=region, tags=dict(tags), template=template))
    report = read_report(outdir)
    findings: dict[str, list[tuple[str, str]]] = {}
    acknowledged: dict[str, list[tuple[str, str]]] = {}
    for target, source in ((findings, report.findings), (acknowledged, report.acknowledged)):
        for finding in source:
            stack = finding.path.split("/", 1)[0]
            target.setdefault(stack, []).append((finding.rule, finding.path))
    has_report = (outdir / "validation-report.json").exists()
    return Assembly(
        stacks=tuple(stacks),
        findings=findings,
        acknowledged=acknowledged,
        packs=report.packs,
        has_report=has_report,
        outdir=outdir,
        purposes=resource_purposes(outdir),
    )


def _stack_tags_from_metadata(artifact: dict[str, Any]) -> dict[str, str]:
    for entries in artifact.get("metadata", {}).values():
        for entry in entries:
            if entry.get("type") == "aws:cdk:stack-tags":
                return {t["Key"]: t["Value"] for t in entry.get("data", [])}
    return {}


def resource_tags(resource: dict[str, Any]) -> dict[str, str]:
    """A resource's tags, whether the template writes them as a list or as a map."""
    properties = resource.get("Properties", {})
    for key in ("Tags", "ResourceTags", "TagSpecifications"):
        tags = properties.get(key)
        if isinstance(tags, dict):
            return {str(k): str(v) for k, v in tags.items()}
        if isinstance(tags, list):
            return {t["Key"]: t["Value"] for t in tags if isinstance(t, dict) and "Key" in t and "Value" in t}
    return {}


def render_value(value: Any) -> str | None:
    """A template value as text: literals as they are, intrinsic functions in short form."""
    if value is None:
        return None
    if isinstance(value, str | int | float | bool):
        return str(value)
    if isinstance(value, dict) and len(value) == 1:
        ((function, argument),) = value.items()
        if function == "Ref":
            return f"ref:{argument}"
        if function == "Fn::GetAtt":
            parts = argument if isinstance(argument, list) else str(argument).split(".")
            return "ref:" + ".".join(str(p) for p in parts)
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            separator, parts = argument
            return str(separator).join(render_value(p) or "" for p in parts)
        if function == "Fn::Sub":
            return str(argument[0] if isinstance(argument, list) else argument)
    if isinstance(value, list):
        return ", ".join(render_value(v) or "" for v in value)
    return json.dumps(value, sort_keys=True)


def construct_path(stack: StackTemplate, logical_id: str, resource: dict[str, Any]) -> str:
    """The resource's construct path within its stack (its logical id where the path is absent)."""
    path = resource.get("Metadata", {}).get("aws:cdk:path")
    if isinstance(path, str):
        return path.removeprefix(stack.name + "/")
    return logical_id


#: Properties that hold a resource's physical name, by type (others use the construct path).
_NAME_PROPERTIES = (
    "RoleName",
    "QueueName",
    "BucketName",
    "LogGroupName",
    "Name",
    "PolicyName",
    "GroupName",
    "AlarmName",
    "DashboardName",
    "FirewallName",
    "RuleGroupName",
    "ServiceName",
)


def physical_name(resource: dict[str, Any]) -> str | None:
    properties = resource.get("Properties", {})
    for key in _NAME_PROPERTIES:
        value = properties.get(key)
        if isinstance(value, str):
            return value
    return None
