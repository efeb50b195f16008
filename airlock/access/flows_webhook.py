"""Vendor webhooks in the proof: a delivery from the vendor's address reaches its buffer, step by step.

The chain of one delivery: the web ACL of the API's stage admits the vendor's address, the
API's resource policy admits it, the method's integration sends to the buffer's queue through
its credentials role, API Gateway assumes that role, the role's session calls
``sqs:SendMessage`` on the queue and SQS uses the queue's key for it. The probes: an address
outside the ranges is blocked by the web ACL and refused by the resource policy, and the
integration role can send to no other queue and do nothing else with its own.

How AWS WAF decides a request (https://docs.aws.amazon.com/waf/latest/developerguide/web-acl-processing-order.html,
"Rule priority" and "Rule action"): rules run in ascending priority; the first rule whose
statement matches with a terminating action (Allow, Block, CAPTCHA, Challenge) decides; a
request no terminating rule matched gets the web ACL's default action. A managed rule group
with ``OverrideAction: None`` applies its own rules' actions. The AWS managed groups in
:data:`BLOCK_ONLY_GROUPS` contain only Block (or Count) rules, so they can stop a request but
never admit one; the proof records that it assumes a delivery matches none of them (they match
addresses on Amazon's threat lists and exploit patterns). Any other statement, action or
rule group is undecided.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from airlock import grants
from airlock.access.chains import AWS_SERVICE_ADDRESS, queue_steps
from airlock.access.model import Decision, Policy, Principal, Source, Verdict
from airlock.access.policy import parse_policy
from airlock.access.probes_common import probe
from airlock.access.steps import Flow, Probe, Step, fixed_step, iam_step, missing_step
from airlock.access.view import IntegrationView, RegionView, first_address
from airlock.spec.errors import format_path
from airlock.spec.webhooks import Webhook, webhook_api_name

#: AWS managed rule groups whose rules only block or count (AWS WAF Developer Guide, "AWS Managed
#: Rules rule groups list": "IP reputation rule groups", "Known bad inputs managed rule group").
BLOCK_ONLY_GROUPS = frozenset({"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet"})
#: Addresses outside every vendor's range for the probes (documentation ranges, RFC 5737).
_OUTSIDE = ("203.0.113.200", "198.51.100.200", "192.0.2.200")
_ANONYMOUS = Principal("*", "anonymous")


@dataclass(frozen=True)
class WebhookView:
    """One webhook's resources in one region, found by the API's name."""

    region: RegionView
    webhook: Webhook
    api: Any  # Resource
    api_id: str | None
    stage: str | None
    web_acl: Mapping[str, Any] | None
    ip_sets: Mapping[str, list[str]]
    method: Mapping[str, Any] | None
    policy: Mapping[str, Any] | None

    @property
    def invoke_arn(self) -> str:
        region = self.region
        return (
            f"arn:aws:execute-api:{region.region}:{region.account}:{self.api_id}/{self.stage}/POST/{self.webhook.path}"
        )


def find_webhook(region: RegionView, webhook: Webhook) -> WebhookView | None:
    world = region.world
    name = webhook_api_name(region.integration.name, webhook.name)
    api = next((r for r in region.resources("AWS::ApiGateway::RestApi") if r.properties.get("Name") == name), None)
    if api is None or region.stack is None:
        return None
    resolver = world.resolvers[region.stack]
    api_id = resolver.attribute(api.logical_id, "Ref")
    api_id = api_id if isinstance(api_id, str) else None
    stages = [resolver.resolve(dict(r.properties)) for r in region.resources("AWS::ApiGateway::Stage")]
    stage = next((s.get("StageName") for s in stages if s.get("RestApiId") == api_id), None)
    stage_arn = f"arn:aws:apigateway:{region.region}::/restapis/{api_id}/stages/{stage}"
    acls = {r.arn: resolver.resolve(dict(r.properties)) for r in region.resources("AWS::WAFv2::WebACL") if r.arn}
    web_acl = None
    for association in region.resources("AWS::WAFv2::WebACLAssociation"):
        props = resolver.resolve(dict(association.properties))
        if props.get("ResourceArn") == stage_arn:
            web_acl = acls.get(props.get("WebACLArn"))
    ip_sets = {
        r.arn: list(resolver.resolve(dict(r.properties)).get("Addresses") or [])
        for r in region.resources("AWS::WAFv2::IPSet")
        if r.arn
    }
    methods = [resolver.resolve(dict(r.properties)) for r in region.resources("AWS::ApiGateway::Method")]
    method = next((m for m in methods if m.get("RestApiId") == api_id and m.get("HttpMethod") == "POST"), None)
    policy = resolver.resolve(dict(api.properties)).get("Policy")
    return WebhookView(region, webhook, api, api_id, stage, web_acl, ip_sets, method, policy)


def waf_decision(found: WebhookView, address: str) -> Decision:
    """What the stage's web ACL does with a request from ``address`` (see the module docstring)."""
    acl = found.web_acl
    if acl is None:
        return Decision(Verdict.DENY, "no web ACL is associated with the webhook's stage")
    ip = ipaddress.ip_address(address)
    for rule in sorted(acl.get("Rules") or [], key=lambda r: int(r.get("Priority", 0))):
        statement = rule.get("Statement") or {}
        group = statement.get("ManagedRuleGroupStatement")
        if group is not None:
            known = group.get("VendorName") == "AWS" and group.get("Name") in BLOCK_ONLY_GROUPS
            if known and (rule.get("OverrideAction") or {}) in ({"None": {}}, {"Count": {}}):
                continue  # can block, never allows: assumed not to match a delivery
            return Decision(
                Verdict.UNDECIDED, f"rule {rule.get('Name')}: rule group {group.get('Name')} is not modelled"
            )
        reference = statement.get("IPSetReferenceStatement")
        action = rule.get("Action") or {}
        if reference is None or set(action) - {"Allow", "Block", "Count"} or len(action) != 1:
            return Decision(Verdict.UNDECIDED, f"rule {rule.get('Name')}: only IP set rules are modelled")
        if "IPSetForwardedIPConfig" in reference:
            return Decision(
                Verdict.UNDECIDED, f"rule {rule.get('Name')}: matches a forwarded-IP header, not the source"
            )
        addresses = found.ip_sets.get(reference.get("Arn"))
        if addresses is None:
            return Decision(Verdict.UNDECIDED, f"rule {rule.get('Name')}: its IP set is not in the assembly")
        if "Count" in action or not any(ip in ipaddress.ip_network(a, strict=False) for a in addresses):
            continue
        verdict = Verdict.ALLOW if "Allow" in action else Verdict.DENY
        return Decision(verdict, f"rule {rule.get('Name')} ({next(iter(action))}) matches {address}")
    default = acl.get("DefaultAction") or {}
    if "Allow" in default:
        return Decision(Verdict.ALLOW, f"no rule matches {address}; the default action allows it")
    return Decision(Verdict.DENY, f"no rule allows {address}; the default action blocks it")


def _waf_step(found: WebhookView, address: str) -> Step:
    detail = {
        "address": address,
        "web_acl": (found.web_acl or {}).get("Name"),
        "assumes": "the delivery matches no rule of the AWS managed groups " + ", ".join(sorted(BLOCK_ONLY_GROUPS)),
    }
    return fixed_step(
        f"the web ACL admits a delivery from {address}", "waf", detail, lambda: waf_decision(found, address)
    )


def _resource_policy(found: WebhookView) -> Policy:
    """The API's resource policy, with ``execute-api:/`` written out as the API's ARN prefix."""
    region = found.region
    prefix = f"arn:aws:execute-api:{region.region}:{region.account}:{found.api_id}/"

    def expand(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("execute-api:/"):
            return prefix + value.removeprefix("execute-api:/")
        if isinstance(value, list):
            return [expand(v) for v in value]
        if isinstance(value, dict):
            return {k: expand(v) if k in ("Resource", "NotResource") else v for k, v in value.items()}
        return value

    document = dict(found.policy or {"Statement": []})
    document["Statement"] = [expand(s) for s in document.get("Statement") or []]
    return parse_policy(document, Source("resource", found.api.template, found.api.logical_id))


def _invoke_step(found: WebhookView, address: str) -> Step:
    """An anonymous POST from ``address``: with authorization NONE, the resource policy alone decides
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html)."""
    return iam_step(
        found.region.world,
        f"the API's resource policy admits a POST from {address}",
        _ANONYMOUS,
        "execute-api:Invoke",
        found.invoke_arn,
        extra={"aws:SourceIp": address},
        resource_policy=_resource_policy(found),
    )


def integration_role(found: WebhookView) -> str | None:
    integration = (found.method or {}).get("Integration") or {}
    role = integration.get("Credentials")
    return role if isinstance(role, str) else None


def _integration_step(found: WebhookView) -> Step:
    """The method hands the body to SendMessage on the buffer's queue, with credentials, no passthrough."""
    queue = found.region.queue(found.webhook.buffer)
    integration = (found.method or {}).get("Integration") or {}
    uri = integration.get("Uri")
    templates = integration.get("RequestTemplates") or {}

    def decide() -> Decision:
        if queue is None or queue.arn is None:
            return Decision(Verdict.DENY, f"no queue of buffer '{found.webhook.buffer}'")
        _, _, _, _, account, name = queue.arn.split(":", 5)
        wanted = f"arn:aws:apigateway:{found.region.region}:sqs:path/{account}/{name}"
        if integration.get("Type") != "AWS" or uri != wanted:
            return Decision(Verdict.DENY, f"the method's integration calls {uri}, not the queue {name} ({wanted})")
        if not all(str(t).startswith("Action=SendMessage&") for t in templates.values()) or not templates:
            return Decision(Verdict.DENY, "the integration's request templates do not call SendMessage")
        if integration.get("PassthroughBehavior") != "NEVER":
            return Decision(Verdict.DENY, "a body of another content type would pass to SQS untransformed")
        return Decision(Verdict.ALLOW, f"AWS integration {uri}: SendMessage with the body as the message")

    return fixed_step(
        f"the method sends each delivery to buffer {found.webhook.buffer}", "integration", {"uri": uri}, decide
    )


def webhook_steps(view: IntegrationView, region: RegionView, webhook: Webhook) -> list[Step]:
    """A delivery from the vendor's first range reaches the buffer (every step of the module docstring)."""
    found = find_webhook(region, webhook)
    if found is None:
        return [missing_step(f"the vendor reaches webhook {webhook.name}", f"no REST API of it in {region.stack}")]
    address = first_address(webhook.source_ranges[0])
    steps = [_waf_step(found, address), _invoke_step(found, address), _integration_step(found)]
    role = integration_role(found)
    if role is None or role not in view.world.roles:
        return [*steps, missing_step("API Gateway takes the integration role", "the method names no role here")]
    gateway = Principal.service("apigateway.amazonaws.com")
    steps.append(iam_step(view.world, "API Gateway assumes the integration role", gateway, "sts:AssumeRole", role))
    session = Principal.role(role, session="apigateway")
    steps += queue_steps(
        view,
        region,
        session,
        webhook.buffer,
        grants.SEND,
        who=f"webhook {webhook.name}'s integration role",
        caller={"aws:SourceIp": AWS_SERVICE_ADDRESS},
    )
    return steps


def webhook_flows(view: IntegrationView, region: RegionView, index: int, suffix: str) -> Iterator[Flow]:
    for position, webhook in enumerate(view.integration.webhooks):
        yield Flow(
            view.integration.name,
            f"vendor delivers to webhook {webhook.name}{suffix}",
            format_path(("integrations", index, "webhooks", position)),
            tuple(webhook_steps(view, region, webhook)),
        )


def _outside(webhook: Webhook) -> str | None:
    networks = [ipaddress.ip_network(r) for r in webhook.source_ranges]
    return next((a for a in _OUTSIDE if not any(ipaddress.ip_address(a) in n for n in networks)), None)


def webhook_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """An outside address is refused by both layers; the integration role reaches no other queue."""
    for webhook in view.integration.webhooks:
        found = find_webhook(region, webhook)
        if found is None:
            continue
        address = _outside(webhook)
        if address is not None:
            yield probe(
                view,
                f"deliver to webhook {webhook.name} from {address}",
                "the WAF allow-list",
                _waf_step(found, address),
            )
            yield probe(
                view,
                f"invoke webhook {webhook.name} from {address}",
                "the API's resource policy",
                _invoke_step(found, address),
            )
        role = integration_role(found)
        if role is None:
            continue
        yield from _role_probes(view, region, webhook, role)


def _role_probes(view: IntegrationView, region: RegionView, webhook: Webhook, role: str) -> Iterator[Probe]:
    world = view.world
    session = Principal.role(role, session="apigateway")
    own = region.queue(webhook.buffer)
    # Every other queue of the account, one queue of each other account (the role's policy names
    # one ARN, so one queue stands for its account), and a queue the assembly does not hold.
    others: list[str] = []
    accounts: set[str] = set()
    for resource in world.resources:
        if resource.type != "AWS::SQS::Queue" or resource.arn is None or (own is not None and resource.arn == own.arn):
            continue
        if resource.account == region.account or resource.account not in accounts:
            others.append(resource.arn)
            accounts.add(resource.account)
    others.append(f"arn:aws:sqs:{region.region}:{region.account}:airlock-proof-any-queue")
    why = f"webhook {webhook.name}'s role may send to its own queue only"
    for queue in others:
        step = iam_step(world, f"the integration role sends to {queue}", session, "sqs:SendMessage", queue)
        yield probe(view, f"webhook {webhook.name}'s role sends to {queue.rsplit(':', 1)[-1]}", why, step)
    if own is not None and own.arn is not None:
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:PurgeQueue", "sqs:SetQueueAttributes"):
            step = iam_step(world, f"the integration role calls {action} on its queue", session, action, own.arn)
            yield probe(view, f"webhook {webhook.name}'s role calls {action}", why, step)
    for service in ("lambda.amazonaws.com", "states.amazonaws.com", "ec2.amazonaws.com"):
        step = iam_step(
            world, f"{service} assumes the integration role", Principal.service(service), "sts:AssumeRole", role
        )
        yield probe(view, f"{service} assumes webhook {webhook.name}'s role", "only API Gateway is trusted", step)
