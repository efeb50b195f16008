"""How each resource type names itself: ``Ref``, ``Arn`` and the other attributes policies use.

Physical names the template fixes (a queue name, a role name) are used as they are. Ids AWS
assigns at deployment (a key id, a VPC id) become stable placeholders made from the logical id
(``key/DropZoneKey503C47FD``): they are unique per resource, so a policy that names one
resource never matches another, and a wildcard (``key/*``) matches them as it matches real ids.
A type this module does not know yields no attributes; whatever reads them stays unresolved,
and the checks that need them fail as undecided.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from airlock.access.template import Resolver, Unresolved

Attributes = dict[str, Any]


def _name(resolver: Resolver, resource: Mapping[str, Any], prop: str, logical_id: str) -> Any:
    """The physical name from ``prop``, else the name CloudFormation would generate (a placeholder)."""
    value = resolver.property(resource, prop)
    if value is None:
        return f"{resolver.stack.name}-{logical_id}"
    return value if isinstance(value, str) else Unresolved(f"{logical_id}.{prop}")


def _account(resolver: Resolver) -> str:
    return resolver.stack.account


def _region(resolver: Resolver) -> str:
    return resolver.stack.region


def _partition(resolver: Resolver) -> str:
    return str(resolver.pseudo("AWS::Partition"))


def _joined(*parts: Any) -> Any:
    for part in parts:
        if isinstance(part, Unresolved):
            return part
    return "".join(str(part) for part in parts)


def _queue(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = _name(resolver, resource, "QueueName", logical_id)
    if (
        isinstance(name, str)
        and resolver.property(resource, "FifoQueue") in (True, "true")
        and "QueueName" not in (resource.get("Properties") or {})
    ):
        name += ".fifo"
    arn = _joined(f"arn:{_partition(resolver)}:sqs:{_region(resolver)}:{_account(resolver)}:", name)
    url = _joined(f"https://sqs.{_region(resolver)}.amazonaws.com/{_account(resolver)}/", name)
    return {"Ref": url, "QueueUrl": url, "Arn": arn, "QueueName": name}


def _topic(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = _name(resolver, resource, "TopicName", logical_id)
    arn = _joined(f"arn:{_partition(resolver)}:sns:{_region(resolver)}:{_account(resolver)}:", name)
    return {"Ref": arn, "TopicArn": arn, "TopicName": name}


def _bucket(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = _name(resolver, resource, "BucketName", logical_id)
    if isinstance(name, str) and "BucketName" not in (resource.get("Properties") or {}):
        name = name.lower()
    arn = _joined(f"arn:{_partition(resolver)}:s3:::", name)
    return {
        "Ref": name,
        "Arn": arn,
        "DomainName": _joined(name, ".s3.amazonaws.com"),
        "RegionalDomainName": _joined(name, f".s3.{_region(resolver)}.amazonaws.com"),
    }


def _key(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    key_id = f"key-{logical_id}"
    arn = f"arn:{_partition(resolver)}:kms:{_region(resolver)}:{_account(resolver)}:key/{key_id}"
    return {"Ref": key_id, "KeyId": key_id, "Arn": arn}


def _alias(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = resolver.property(resource, "AliasName")
    return {"Ref": name if isinstance(name, str) else Unresolved(f"{logical_id}.AliasName")}


def _iam_path(resolver: Resolver, resource: Mapping[str, Any]) -> str:
    path = resolver.property(resource, "Path", "/")
    return path if isinstance(path, str) else "/"


def _role(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = _name(resolver, resource, "RoleName", logical_id)
    arn = _joined(f"arn:{_partition(resolver)}:iam::{_account(resolver)}:role{_iam_path(resolver, resource)}", name)
    return {"Ref": name, "Arn": arn, "RoleId": f"AROA{logical_id.upper()}"}


def _managed_policy(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = _name(resolver, resource, "ManagedPolicyName", logical_id)
    arn = _joined(f"arn:{_partition(resolver)}:iam::{_account(resolver)}:policy{_iam_path(resolver, resource)}", name)
    return {"Ref": arn, "PolicyArn": arn}


def _log_group(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = _name(resolver, resource, "LogGroupName", logical_id)
    arn = _joined(f"arn:{_partition(resolver)}:logs:{_region(resolver)}:{_account(resolver)}:log-group:", name, ":*")
    return {"Ref": name, "Arn": arn}


def _ec2(prefix: str, kind: str | None, extra: tuple[str, ...] = ()) -> Callable[..., Attributes]:
    """EC2 resources named by an id AWS assigns; ``kind`` is the ARN's resource type."""

    def attributes(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
        ident = f"{prefix}-{logical_id.lower()}"
        values: Attributes = {"Ref": ident, "Id": ident}
        for name in extra:
            values[name] = ident
        if kind is not None:
            values["Arn"] = f"arn:{_partition(resolver)}:ec2:{_region(resolver)}:{_account(resolver)}:{kind}/{ident}"
        return values

    return attributes


def _vpc(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    values = _ec2("vpc", "vpc", ("VpcId",))(resolver, logical_id, resource)
    values["CidrBlock"] = resolver.property(resource, "CidrBlock", Unresolved(f"{logical_id}.CidrBlock"))
    values["DefaultSecurityGroup"] = f"sg-default-{logical_id.lower()}"
    return values


def _subnet(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    values = _ec2("subnet", "subnet", ("SubnetId",))(resolver, logical_id, resource)
    values["CidrBlock"] = resolver.property(resource, "CidrBlock", Unresolved(f"{logical_id}.CidrBlock"))
    values["AvailabilityZoneId"] = resolver.property(resource, "AvailabilityZoneId")
    return values


def _endpoint_service(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    ident = f"vpce-svc-{logical_id.lower()}"
    return {
        "Ref": ident,
        "ServiceId": ident,
        "Arn": f"arn:{_partition(resolver)}:ec2:{_region(resolver)}:{_account(resolver)}:vpc-endpoint-service/{ident}",
        "ServiceName": f"com.amazonaws.vpce.{_region(resolver)}.{ident}",
    }


def _organizational_unit(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    ident = f"ou-{logical_id.lower()}"
    return {"Ref": ident, "Id": ident, "Arn": f"arn:aws:organizations::{_account(resolver)}:ou/{ident}"}


def _organization_policy(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    ident = f"p-{logical_id.lower()}"
    return {"Ref": ident, "Id": ident, "Arn": f"arn:aws:organizations::{_account(resolver)}:policy/{ident}"}


def _arn_named(service: str, kind: str, name_prop: str, separator: str = "/") -> Callable[..., Attributes]:
    """Resources whose Ref and Arn are ``arn:...:<service>:<region>:<account>:<kind>/<name>``."""

    def attributes(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
        name = _name(resolver, resource, name_prop, logical_id)
        arn = _joined(
            f"arn:{_partition(resolver)}:{service}:{_region(resolver)}:{_account(resolver)}:{kind}{separator}", name
        )
        return {"Ref": arn, "Arn": arn, "Name": name}

    return attributes


def _event_bus(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    """``arn:<partition>:events:<region>:<account>:event-bus/<Name>``; Ref is the name."""
    name = _name(resolver, resource, "Name", logical_id)
    arn = _joined(f"arn:{_partition(resolver)}:events:{_region(resolver)}:{_account(resolver)}:event-bus/", name)
    return {"Ref": name, "Name": name, "Arn": arn}


def _event_rule(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    """``...:rule/<Name>`` on the default bus, ``...:rule/<bus>/<Name>`` on another; Ref is the name,
    or ``<bus>|<Name>`` on another bus (AWS::Events::Rule return values)."""
    name = _name(resolver, resource, "Name", logical_id)
    bus = resolver.property(resource, "EventBusName", "default")
    if isinstance(bus, str) and bus.startswith("arn:"):
        bus = bus.split(":event-bus/", 1)[-1]
    if not isinstance(bus, str):
        return {"Ref": Unresolved(f"{logical_id}.EventBusName"), "Arn": Unresolved(f"{logical_id}.EventBusName")}
    path = name if bus == "default" else _joined(bus, "/", name)
    ref = name if bus == "default" else _joined(bus, "|", name)
    arn = _joined(f"arn:{_partition(resolver)}:events:{_region(resolver)}:{_account(resolver)}:rule/", path)
    return {"Ref": ref, "Arn": arn}


def _budget(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    """``arn:<partition>:budgets::<account>:budget/<BudgetName>`` (Ref is the budget's name)."""
    budget = resolver.property(resource, "Budget")
    name = budget.get("BudgetName") if isinstance(budget, Mapping) else None
    if not isinstance(name, str):
        name = Unresolved(f"{logical_id}.Budget.BudgetName")
    return {"Ref": name, "Arn": _joined(f"arn:{_partition(resolver)}:budgets::{_account(resolver)}:budget/", name)}


def _plain(prefix: str) -> Callable[..., Attributes]:
    """Resources whose only attribute policies or other resources read is an assigned id."""

    def attributes(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
        ident = f"{prefix}-{logical_id.lower()}"
        return {"Ref": ident, "Id": ident}

    return attributes


def _rest_api(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    """A REST API's id (assigned by AWS), its root resource, and the ARN API Gateway's own actions name."""
    ident = f"api{logical_id.lower()}"
    return {
        "Ref": ident,
        "RestApiId": ident,
        "RootResourceId": f"root{logical_id.lower()}",
        "Arn": f"arn:{_partition(resolver)}:apigateway:{_region(resolver)}::/restapis/{ident}",
    }


def _stage(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    name = resolver.property(resource, "StageName")
    return {"Ref": name if isinstance(name, str) else Unresolved(f"{logical_id}.StageName")}


def _wafv2(kind: str) -> Callable[..., Attributes]:
    """A regional WAFv2 web ACL or IP set: ``arn:...:wafv2:<region>:<account>:regional/<kind>/<Name>/<Id>``."""

    def attributes(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
        name = _name(resolver, resource, "Name", logical_id)
        ident = f"{kind}-{logical_id.lower()}"
        scope = str(resolver.property(resource, "Scope", "REGIONAL")).lower()
        where = "global" if scope == "cloudfront" else "regional"
        region = "us-east-1" if where == "global" else _region(resolver)
        arn = _joined(
            f"arn:{_partition(resolver)}:wafv2:{region}:{_account(resolver)}:{where}/{kind}/", name, f"/{ident}"
        )
        return {"Ref": _joined(name, f"|{ident}|{scope.upper()}"), "Arn": arn, "Id": ident}

    return attributes


#: Resource type -> attribute function. Types not listed yield no attributes.
ATTRIBUTES: dict[str, Callable[[Resolver, str, Mapping[str, Any]], Attributes]] = {
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Topic": _topic,
    "AWS::S3::Bucket": _bucket,
    "AWS::KMS::Key": _key,
    "AWS::KMS::Alias": _alias,
    "AWS::IAM::Role": _role,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Policy": _plain("policy"),
    "AWS::Logs::LogGroup": _log_group,
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::Subnet": _subnet,
    "AWS::EC2::SecurityGroup": _ec2("sg", "security-group", ("GroupId",)),
    "AWS::EC2::RouteTable": _ec2("rtb", "route-table", ("RouteTableId",)),
    "AWS::EC2::InternetGateway": _ec2("igw", "internet-gateway", ("InternetGatewayId",)),
    "AWS::EC2::NatGateway": _ec2("nat", "natgateway", ("NatGatewayId",)),
    "AWS::EC2::EIP": _ec2("eipalloc", "elastic-ip", ("AllocationId", "PublicIp")),
    "AWS::EC2::VPCEndpoint": _ec2("vpce", "vpc-endpoint", ()),
    "AWS::EC2::FlowLog": _ec2("fl", "vpc-flow-log", ()),
    "AWS::EC2::VPCEndpointService": _endpoint_service,
    "AWS::Organizations::OrganizationalUnit": _organizational_unit,
    "AWS::Organizations::Policy": _organization_policy,
    "AWS::Route53Resolver::FirewallDomainList": _plain("rslvr-fdl"),
    "AWS::Route53Resolver::FirewallRuleGroup": _plain("rslvr-frg"),
    "AWS::Route53Resolver::ResolverQueryLoggingConfig": _plain("rslvr-qlc"),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _arn_named("elasticloadbalancing", "loadbalancer/net", "Name"),
    "AWS::ElasticLoadBalancingV2::TargetGroup": _arn_named("elasticloadbalancing", "targetgroup", "Name"),
    "AWS::NetworkFirewall::Firewall": _arn_named("network-firewall", "firewall", "FirewallName"),
    "AWS::NetworkFirewall::FirewallPolicy": _arn_named("network-firewall", "firewall-policy", "FirewallPolicyName"),
    "AWS::NetworkFirewall::RuleGroup": _arn_named("network-firewall", "stateful-rulegroup", "RuleGroupName"),
    "AWS::CloudWatch::Alarm": _arn_named("cloudwatch", "alarm", "AlarmName", ":"),
    "AWS::Budgets::Budget": _budget,
    "AWS::Events::EventBus": _event_bus,
    "AWS::Events::Rule": _event_rule,
    "AWS::ServiceCatalogAppRegistry::Application": _arn_named("servicecatalog", "/applications", "Name"),
    "AWS::ServiceCatalogAppRegistry::AttributeGroup": _arn_named("servicecatalog", "/attribute-groups", "Name"),
    "AWS::SSM::Parameter": _arn_named("ssm", "parameter", "Name", ""),
    "AWS::ECR::Repository": _arn_named("ecr", "repository", "RepositoryName"),
    "AWS::ApiGateway::RestApi": _rest_api,
    "AWS::ApiGateway::Stage": _stage,
    "AWS::ApiGateway::Deployment": _plain("deployment"),
    "AWS::ApiGateway::Resource": _plain("resource"),
    "AWS::ApiGateway::Method": _plain("method"),
    "AWS::ApiGateway::RequestValidator": _plain("validator"),
    "AWS::ApiGateway::Model": _plain("model"),
    "AWS::WAFv2::WebACL": _wafv2("webacl"),
    "AWS::WAFv2::IPSet": _wafv2("ipset"),
}


def attributes(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
    """The attributes of ``resource`` (see :data:`ATTRIBUTES`); empty for unknown types."""
    function = ATTRIBUTES.get(str(resource.get("Type", "")))
    return function(resolver, logical_id, resource) if function is not None else {}


def created_account_attributes(account_ids: Mapping[str, str]) -> Callable[..., Attributes]:
    """Attributes of ``AWS::Organizations::Account``: the id comes from the lock file
    (``account_ids`` maps the ``airlock:integration`` tag to the recorded id)."""

    def attributes(resolver: Resolver, logical_id: str, resource: Mapping[str, Any]) -> Attributes:
        tags = resolver.property(resource, "Tags") or []
        integration = next(
            (t.get("Value") for t in tags if isinstance(t, Mapping) and t.get("Key") == "airlock:integration"), None
        )
        account = account_ids.get(str(integration)) if integration is not None else None
        ident = account or Unresolved(f"{logical_id}.AccountId (not in the account lock file)")
        return {"Ref": ident, "AccountId": ident}

    return attributes
