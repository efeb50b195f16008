"""A vendor webhook: public HTTPS into an SQS buffer, for a vendor that can only push.

The endpoint is an API Gateway REST API (regional, TLS 1.2 at least) with one ``POST``
method. Two independent layers admit only the vendor's published source ranges: a WAFv2 web
ACL (an IP set rule allows them, everything else meets the default Block) and the API's
resource policy (``aws:SourceIp``). A request validator requires the declared headers and,
where a schema is given, a JSON body that matches it. The method is an AWS service
integration that calls SQS ``SendMessage`` through a role that may send to that one queue
and use its key through SQS alone; no code runs in between. Access logs, WAF logs and
execution logs (errors) go to KMS-encrypted log groups with a retention, X-Ray traces each
request, and the stage is throttled.

What is not validated here: the vendor's signature (an HMAC of the body with a shared secret,
e.g. GitHub's ``X-Hub-Signature-256``). API Gateway cannot compute it without code; the
header is passed on as a message attribute so that the consumer verifies it before acting.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from airlock.compliance.acknowledge import acknowledge
from airlock.constructs._keys import log_encryption_key
from airlock.grants import SEND

#: The legacy security policy that accepts TLS 1.2 and above only ("TLS_1_0 and TLS_1_2 are
#: legacy security policies", https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html).
SECURITY_POLICY = "TLS_1_2"
#: AWS managed rule groups evaluated before the allow-list: addresses Amazon's threat
#: intelligence lists as malicious, and request patterns of known exploits (Log4j, ...). The
#: core rule set is left out: its GenericRFI_BODY and SizeRestrictions_BODY rules block
#: ordinary webhook payloads (JSON full of URLs, bodies above 8 KB).
MANAGED_RULE_GROUPS: tuple[str, ...] = ("AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesKnownBadInputsRuleSet")
#: Name of the web ACL rule that allows the source ranges (the proof and the register read it).
ALLOW_RULE = "AllowVendorSourceRanges"
#: The stage a webhook API deploys unless told otherwise (part of its URL).
DEFAULT_STAGE = "prod"
_LOGGING_SCOPE = "ApiGatewayLogging"


def api_gateway_logging(scope: Construct) -> Construct:
    """The account's API Gateway CloudWatch Logs role, once per stack (``AWS::ApiGateway::Account``).

    API Gateway writes access and execution logs with one role per account and region, set in
    its account settings; a stage with logging cannot deploy without it. Its policy is limited
    to log groups of this account and region.
    """
    stack = cdk.Stack.of(scope)
    found = stack.node.try_find_child(_LOGGING_SCOPE)
    if isinstance(found, Construct):
        return found
    holder = Construct(stack, _LOGGING_SCOPE)
    role = iam.Role(
        holder,
        "Role",
        description="Lets API Gateway of this account write access and execution logs to CloudWatch Logs",
        assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
    )
    log_groups = stack.format_arn(
        service="logs", resource="log-group", resource_name="*", arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME
    )
    # The actions of the AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs, on this account's log groups.
    policy = iam.ManagedPolicy(
        holder,
        "Policy",
        description="API Gateway writes access and execution logs to this account's log groups",
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogGroups",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:FilterLogEvents",
                ],
                resources=[log_groups],
            )
        ],
    )
    rendered = f"arn:{_pseudo(stack.partition, 'Partition')}:logs:{_pseudo(stack.region, 'Region')}:"
    rendered += f"{_pseudo(stack.account, 'AccountId')}:log-group:*"
    acknowledge(
        holder,
        f"AwsSolutions-IAM5[Resource::{rendered}]",
        reason="API Gateway uses one logging role for every API of the account and region (its account "
        "settings), and names each execution log group after the API id; the role is limited to log groups "
        "of this account and region and can do nothing else.",
    )
    account = apigateway.CfnAccount(holder, "Resource", cloud_watch_role_arn=role.role_arn)
    account.node.add_dependency(policy)  # the role can write logs once API Gateway is given it
    return holder


def _pseudo(value: str, name: str) -> str:
    """A stack's region, account or partition as cdk-nag prints it: the literal, or ``<AWS::name>``."""
    return f"<AWS::{name}>" if cdk.Token.is_unresolved(value) else value


class VendorWebhook(Construct):
    """A public HTTPS endpoint that turns each admitted delivery into a message on ``queue``.

    :param queue: the queue that receives each delivery; a FIFO queue is refused (a delivery
        has no message group).
    :param source_ranges: the vendor's published IPv4 source ranges, each a public network
        block; the web ACL and the resource policy admit these alone. ``0.0.0.0/0`` is refused.
    :param path: path of the endpoint below the stage. Default: ``hooks``.
    :param required_headers: headers every delivery must carry (400 without); each becomes a
        message attribute. Default: none.
    :param body_schema: JSON Schema (draft 4) the JSON body must match (400 otherwise).
        Default: any JSON body.
    :param throttling_rate_limit: steady requests per second of the stage. Default: 10.
    :param throttling_burst_limit: burst of the stage. Default: 20.
    :param api_name: name of the REST API (and stem of the web ACL's names). Default: a unique
        name derived from the construct path.
    :param stage_name: Default: ``prod``.
    :param log_retention: retention of the access, WAF and execution logs. Default: one year.
    :param log_key: KMS key of the log groups. Default: a new customer-managed key with
        rotation that CloudWatch Logs of this account may use.
    :param suspended: the kill switch: the web ACL allows nothing and the resource policy
        denies every request. Default: False.
    :param configure_account_logging: set the account's API Gateway logging role
        (``AWS::ApiGateway::Account``, once per stack). Default: True; give False in a stack
        or account whose logging role is set elsewhere (there is one per account and region).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        queue: sqs.IQueue,
        source_ranges: Sequence[str],
        path: str = "hooks",
        required_headers: Sequence[str] = (),
        body_schema: Mapping[str, Any] | None = None,
        throttling_rate_limit: int = 10,
        throttling_burst_limit: int = 20,
        api_name: str | None = None,
        stage_name: str = DEFAULT_STAGE,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        log_key: kms.IKey | None = None,
        suspended: bool = False,
        configure_account_logging: bool = True,
    ) -> None:
        super().__init__(scope, id)
        _check_props(queue, source_ranges, path, required_headers)
        stack = cdk.Stack.of(self)
        self.source_ranges = tuple(source_ranges)
        self.path = path.strip("/")
        self.required_headers = tuple(required_headers)
        self.suspended = suspended
        self.queue = queue
        name = api_name or cdk.Names.unique_resource_name(self, max_length=100, separator="-")
        self.key: kms.IKey = log_key or log_encryption_key(self, "LogKey", description=f"Logs of {self.node.path}")
        self.access_log_group = logs.LogGroup(
            self,
            "AccessLogs",
            retention=log_retention,
            encryption_key=self.key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

        #: The role API Gateway calls SQS with: SendMessage on ``queue`` and nothing else.
        self.role = iam.Role(
            self,
            "IntegrationRole",
            description=f"Lets the webhook {name} send each delivery to its one queue",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
        )
        #: The role's one policy (customer-managed, so that it is reviewed as a unit).
        self.send_policy = iam.ManagedPolicy(
            self,
            "SendPolicy",
            description=f"SendMessage on the one queue of the webhook {name}",
            roles=[self.role],
            statements=self._send_statements(),
        )

        logging = api_gateway_logging(self) if configure_account_logging else None
        self.api = apigateway.RestApi(
            self,
            "Api",
            rest_api_name=name,
            description=f"Webhook endpoint of {name}: admitted deliveries become messages on one SQS queue",
            endpoint_types=[apigateway.EndpointType.REGIONAL],
            cloud_watch_role=False,
            policy=self._resource_policy(stage_name),
            deploy_options=apigateway.StageOptions(
                stage_name=stage_name,
                access_log_destination=apigateway.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigateway.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=False,
                ),
                logging_level=apigateway.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=throttling_rate_limit,
                throttling_burst_limit=throttling_burst_limit,
            ),
        )
        rest_api = self.api.node.default_child
        assert isinstance(rest_api, apigateway.CfnRestApi)
        rest_api.add_property_override("SecurityPolicy", SECURITY_POLICY)
        self.stage = self.api.deployment_stage
        if logging is not None:
            self.stage.node.add_dependency(logging)  # the account's logging role is set first
        # API Gateway writes execution logs to a group it names after the API and stage; made here,
        # it is encrypted and expires like the others.
        self.execution_log_group = logs.LogGroup(
            self,
            "ExecutionLogs",
            log_group_name=f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{stage_name}",
            retention=log_retention,
            encryption_key=self.key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.stage.node.add_dependency(self.execution_log_group)
        self.method = self._add_method(body_schema)
        #: The URL the vendor is given.
        self.url = self.api.url_for_path("/" + self.path)
        self.web_acl = self._add_web_acl(name, log_retention, stack)
        self._acknowledge()

    # -- the API --------------------------------------------------------------------------------
    def _resource_policy(self, stage_name: str) -> iam.PolicyDocument:
        invoke = f"execute-api:/{stage_name}/POST/{self.path}"
        if self.suspended:
            statement = iam.PolicyStatement(
                sid="Suspended",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=["execute-api:/*"],
            )
        else:
            statement = iam.PolicyStatement(
                sid="AllowVendorSourceRanges",
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                resources=[invoke],
                conditions={"IpAddress": {"aws:SourceIp": list(self.source_ranges)}},
            )
        return iam.PolicyDocument(statements=[statement])

    def _add_method(self, body_schema: Mapping[str, Any] | None) -> apigateway.Method:
        validator = apigateway.RequestValidator(
            self,
            "Validator",
            rest_api=self.api,
            validate_request_body=True,
            validate_request_parameters=True,
        )
        models: dict[str, apigateway.IModel] | None = None
        if body_schema is not None:
            model = apigateway.CfnModel(
                self,
                "BodyModel",
                rest_api_id=self.api.rest_api_id,
                content_type="application/json",
                schema=dict(body_schema),
                description="What a delivery's JSON body must match",
            )
            models = {"application/json": apigateway.Model.from_model_name(self, "Body", model.ref)}
        integration = apigateway.AwsIntegration(
            service="sqs",
            path=f"{cdk.Stack.of(self).account}/{self.queue.queue_name}",
            integration_http_method="POST",
            options=apigateway.IntegrationOptions(
                credentials_role=self.role,
                passthrough_behavior=apigateway.PassthroughBehavior.NEVER,
                request_parameters={"integration.request.header.Content-Type": "'application/x-www-form-urlencoded'"},
                request_templates={"application/json": self._send_message_template()},
                integration_responses=[
                    apigateway.IntegrationResponse(
                        status_code="200",
                        selection_pattern="2\\d{2}",
                        response_templates={"application/json": '{"accepted": true}'},
                    ),
                    apigateway.IntegrationResponse(
                        status_code="502", response_templates={"application/json": '{"accepted": false}'}
                    ),
                ],
            ),
        )
        resource = self.api.root.resource_for_path(self.path)
        return resource.add_method(
            "POST",
            integration,
            authorization_type=apigateway.AuthorizationType.NONE,
            request_validator=validator,
            request_parameters={f"method.request.header.{header}": True for header in self.required_headers},
            request_models=models,
            method_responses=[
                apigateway.MethodResponse(status_code="200"),
                apigateway.MethodResponse(status_code="502"),
            ],
        )

    def _send_message_template(self) -> str:
        """The SQS query request: the raw body as the message, each required header as an attribute."""
        parts = ["Action=SendMessage", "MessageBody=$util.urlEncode($input.body)"]
        for position, header in enumerate(self.required_headers, start=1):
            prefix = f"MessageAttribute.{position}"
            parts += [
                f"{prefix}.Name={header}",
                f"{prefix}.Value.DataType=String",
                f"{prefix}.Value.StringValue=$util.urlEncode($input.params().header.get('{header}'))",
            ]
        return "&".join(parts)

    # -- the web ACL ----------------------------------------------------------------------------
    def _add_web_acl(self, name: str, log_retention: logs.RetentionDays, stack: cdk.Stack) -> wafv2.CfnWebACL:
        self.ip_set = wafv2.CfnIPSet(
            self,
            "SourceRanges",
            name=f"{name}-sources"[:128],
            description="Source ranges the vendor publishes for its deliveries",
            scope="REGIONAL",
            ip_address_version="IPV4",
            addresses=list(self.source_ranges),
        )
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=position,
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for position, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        if not self.suspended:
            rules.append(
                wafv2.CfnWebACL.RuleProperty(
                    name=ALLOW_RULE,
                    priority=len(MANAGED_RULE_GROUPS),
                    action=wafv2.CfnWebACL.RuleActionProperty(allow={}),
                    statement=wafv2.CfnWebACL.StatementProperty(
                        ip_set_reference_statement=wafv2.CfnWebACL.IPSetReferenceStatementProperty(
                            arn=self.ip_set.attr_arn
                        )
                    ),
                    visibility_config=_visibility(ALLOW_RULE),
                )
            )
        web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=f"{name}-acl"[:128],
            description="Allows the source ranges of the vendor, blocks everything else",
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(block={}),
            rules=rules,
            visibility_config=_visibility(f"{name}-acl"[:128]),
        )
        wafv2.CfnWebACLAssociation(
            self, "WebAclAssociation", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl.attr_arn
        )
        # WAF delivers to CloudWatch Logs only into groups named aws-waf-logs-*.
        waf_log_name = f"aws-waf-logs-{name}"[:512]
        self.waf_log_group = logs.LogGroup(
            self,
            "WafLogs",
            log_group_name=waf_log_name,
            retention=log_retention,
            encryption_key=self.key,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        logging = wafv2.CfnLoggingConfiguration(
            self,
            "WafLogging",
            resource_arn=web_acl.attr_arn,
            log_destination_configs=[
                stack.format_arn(
                    service="logs",
                    resource="log-group",
                    resource_name=waf_log_name,
                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                )
            ],
        )
        logging.node.add_dependency(self.waf_log_group)
        return web_acl

    def _acknowledge(self) -> None:
        no_auth = (
            "A webhook vendor cannot sign requests with SigV4 or present a Cognito token; the endpoint admits only "
            "the vendor's published source ranges (WAF and resource policy), validates the request, and can only "
            "enqueue a message; the consumer verifies the vendor's signature header before acting."
        )
        acknowledge(self.method, "AwsSolutions-APIG4", reason=no_auth)
        acknowledge(self.method, "AwsSolutions-COG4", reason=no_auth)
        acknowledge(
            self.api,
            "NIST.800.53.R5-APIGWCacheEnabledAndEncrypted",
            reason="Every request is a POST delivery that must reach the queue; a cache would answer a delivery "
            "without sending it.",
        )
        acknowledge(
            self.api,
            "NIST.800.53.R5-APIGWSSLEnabled",
            reason="A stage's client certificate authenticates API Gateway to an HTTP back end; this back end is "
            "SQS, called over TLS with SigV4 through the integration role.",
        )

    # -- grants and metrics ---------------------------------------------------------------------
    def _send_statements(self) -> list[iam.PolicyStatement]:
        """SendMessage on the queue, and its key's data-key calls through SQS alone (SEND in airlock.grants)."""
        statements = [iam.PolicyStatement(actions=list(SEND.resource), resources=[self.queue.queue_arn])]
        key = self.queue.encryption_master_key
        if key is not None:
            region = cdk.Stack.of(self).region
            statements.append(
                iam.PolicyStatement(
                    actions=list(SEND.key),
                    resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"sqs.{region}.amazonaws.com"}},
                )
            )
        return statements

    def grant_send(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` send to the webhook's queue as the endpoint does (and use its key through SQS only)."""
        grants = [
            iam.Grant.add_to_principal(
                grantee=grantee,
                actions=statement.actions,
                resource_arns=statement.resources,
                conditions=statement.conditions or None,
            )
            for statement in self._send_statements()
        ]
        combined = grants[0]
        for grant in grants[1:]:
            combined = combined.combine(grant)
        return combined

    def metric_count(self, **props: Any) -> cloudwatch.Metric:
        """Requests the stage answered (admitted by the web ACL). Default: sum over 5 minutes."""
        return self.api.metric_count(**props)

    def metric_client_error(self, **props: Any) -> cloudwatch.Metric:
        """Requests answered 4XX: refused by the resource policy, the validator or throttling."""
        return self.api.metric_client_error(**props)

    def metric_server_error(self, **props: Any) -> cloudwatch.Metric:
        """Requests answered 5XX: SQS refused or failed the message (the vendor retries or drops it)."""
        return self.api.metric_server_error(**props)

    def metric_blocked_requests(self, **props: Any) -> cloudwatch.Metric:
        """Requests the web ACL blocked (outside the source ranges, or a managed rule). Default: sum over 5 minutes."""
        return cloudwatch.Metric(
            namespace="AWS/WAFV2",
            metric_name="BlockedRequests",
            dimensions_map={"WebACL": self.web_acl.name or "", "Region": cdk.Stack.of(self).region, "Rule": "ALL"},
            statistic="Sum",
            **props,
        )


def _visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=name.replace("-", "")[:128], sampled_requests_enabled=True
    )


def _check_props(queue: sqs.IQueue, source_ranges: Sequence[str], path: str, headers: Sequence[str]) -> None:
    if not source_ranges:
        raise ValueError("source_ranges is empty; list the vendor's published source ranges, e.g. ['192.30.252.0/22']")
    for value in source_ranges:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise ValueError(
                f"source range '{value}' is not an IPv4 network block; write e.g. '192.30.252.0/22'"
            ) from None
        if network.prefixlen == 0 or not network.is_global:
            raise ValueError(
                f"source range '{value}' is not one of a vendor's public ranges (the whole internet, or private or "
                "reserved space); list the vendor's published ranges"
            )
    if queue.fifo:
        raise ValueError("the queue is FIFO; a webhook delivery has no message group, so give a standard queue")
    if not path.strip("/") or " " in path:
        raise ValueError(f"path '{path}' is not a resource path; write e.g. 'hooks' or 'hooks/github'")
    if len(headers) > 10:
        raise ValueError(f"{len(headers)} required headers; SQS carries at most 10 message attributes")
