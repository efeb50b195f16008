"""Network rules: an intermediate account reaches out only through what it declares."""

from __future__ import annotations

from airlock.compliance.rules._model import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    Outcome,
    Resource,
    as_list,
    referenced_id,
    refers_to,
    rule,
    statements,
)

#: Resource types that connect a VPC to another network.
EXTERNAL_LINKS = (
    "AWS::EC2::VPCPeeringConnection",
    "AWS::EC2::TransitGatewayAttachment",
    "AWS::EC2::TransitGatewayVpcAttachment",
    "AWS::EC2::TransitGatewayPeeringAttachment",
    "AWS::EC2::TransitGatewayConnect",
    "AWS::EC2::VPNConnection",
    "AWS::EC2::VPNGateway",
    "AWS::EC2::CustomerGateway",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
)
_OPEN = {"0.0.0.0/0", "::/0"}


@rule(
    "IsolatedNetwork",
    types=EXTERNAL_LINKS,
    info="The VPC peering, transit gateway attachment, VPN or internet gateway links the intermediate "
    "account to another network, and no filtered egress is declared for it.",
    explanation="An intermediate account keeps the SaaS provider out of the organisation's networks: it "
    "is reached through PrivateLink only. A route out is allowed only behind declared filtering "
    "(e.g. AWS Network Firewall with a domain allow-list), declared with "
    "airlock.compliance.declare_filtered_egress on the stack.",
)
def isolated_network(resource: Resource) -> Outcome:
    if resource.declarations.filtered_egress:
        return COMPLIANT
    return NON_COMPLIANT


@rule(
    "VpcFlowLog",
    types=("AWS::EC2::VPC",),
    info="The VPC has no flow log that records all traffic (TrafficType ALL on the VPC).",
    explanation="Flow logs of all accepted and rejected traffic are the record of who talked to whom in "
    "an intermediate account; without them a misuse of the vendor link cannot be investigated.",
)
def vpc_flow_log(resource: Resource) -> Outcome:
    for _, props in resource.neighbours("AWS::EC2::FlowLog"):
        if (
            refers_to(props.get("ResourceId"), resource.logical_id)
            and props.get("ResourceType") == "VPC"
            and props.get("TrafficType") == "ALL"
        ):
            return COMPLIANT
    return NON_COMPLIANT


def _interface_endpoint(resource: Resource) -> bool:
    return resource.properties.get("VpcEndpointType") == "Interface"


def _group_is_open(resource: Resource, group_id: str) -> bool:
    group = resource.template.get(group_id, {})
    rules = as_list((group.get("Properties") or {}).get("SecurityGroupIngress"))
    for _, props in resource.neighbours("AWS::EC2::SecurityGroupIngress"):
        if refers_to(props.get("GroupId"), group_id):
            rules.append(props)
    return any(isinstance(r, dict) and (r.get("CidrIp") in _OPEN or r.get("CidrIpv6") in _OPEN) for r in rules)


@rule(
    "EndpointSecurityGroups",
    types=("AWS::EC2::VPCEndpoint",),
    info="The interface endpoint has no explicit security group of its own, or one that admits 0.0.0.0/0 or ::/0.",
    explanation="An interface endpoint without an explicit security group falls back to the VPC's default "
    "group; one open to any address admits traffic from anywhere the VPC is reachable. Each endpoint "
    "gets a group that admits only the consumers that need it.",
)
def endpoint_security_groups(resource: Resource) -> Outcome:
    if not _interface_endpoint(resource):
        return NOT_APPLICABLE
    groups = as_list(resource.properties.get("SecurityGroupIds"))
    if not groups:
        return NON_COMPLIANT
    for group in groups:
        group_id = referenced_id(group)
        if group_id is None:
            continue  # a literal group id from outside this template: explicit, checked where it lives
        body = resource.template.get(group_id)
        if body is None or body.get("Type") != "AWS::EC2::SecurityGroup":
            return NON_COMPLIANT  # e.g. the VPC's default security group
        if _group_is_open(resource, group_id):
            return NON_COMPLIANT
    return COMPLIANT


def _is_default_policy(document: object) -> bool:
    found = statements(document)
    if len(found) != 1:
        return False
    (only,) = found
    return (
        only.get("Effect") == "Allow"
        and only.get("Principal") in ("*", {"AWS": "*"})
        and as_list(only.get("Action")) == ["*"]
        and as_list(only.get("Resource")) == ["*"]
        and not only.get("Condition")
    )


@rule(
    "EndpointPolicy",
    types=("AWS::EC2::VPCEndpoint",),
    info="The interface endpoint has no endpoint policy, or the default one that allows everything.",
    explanation="The default endpoint policy lets any principal reach any resource of the service through "
    "the endpoint, including other organisations' resources: a path for data to leave. An endpoint "
    "policy names the actions and resources the integration needs.",
)
def endpoint_policy(resource: Resource) -> Outcome:
    if not _interface_endpoint(resource):
        return NOT_APPLICABLE
    document = resource.properties.get("PolicyDocument")
    if not document or _is_default_policy(document):
        return NON_COMPLIANT
    return COMPLIANT


@rule(
    "EndpointServiceAcceptance",
    types=("AWS::EC2::VPCEndpointService",),
    info="The endpoint service accepts connections without manual acceptance (AcceptanceRequired is not true).",
    explanation="With acceptance required every new connection to the service is approved, so a principal "
    "that was allowed by mistake still cannot connect unnoticed.",
)
def endpoint_service_acceptance(resource: Resource) -> Outcome:
    return COMPLIANT if resource.properties.get("AcceptanceRequired") is True else NON_COMPLIANT


@rule(
    "EndpointServicePrincipals",
    types=("AWS::EC2::VPCEndpointService",),
    info="The endpoint service names no allowed principals, or allows '*'.",
    explanation="An endpoint service is offered to named principals (the vendor's accounts or roles) "
    "through AWS::EC2::VPCEndpointServicePermissions; '*' offers it to every AWS account.",
)
def endpoint_service_principals(resource: Resource) -> Outcome:
    named = []
    for _, props in resource.neighbours("AWS::EC2::VPCEndpointServicePermissions"):
        if refers_to(props.get("ServiceId"), resource.logical_id):
            named.extend(as_list(props.get("AllowedPrincipals")))
    if not named or any(p == "*" or (isinstance(p, str) and p.endswith(":*")) for p in named):
        return NON_COMPLIANT
    return COMPLIANT
