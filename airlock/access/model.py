"""The access model's vocabulary: policies, requests, the policies a request meets, verdicts.

Plain, frozen data with no CDK and no spec in it. :mod:`airlock.access.policy` parses IAM
JSON into :class:`Policy`; :mod:`airlock.access.evaluate` decides a :class:`Request` against
a :class:`PolicySet` the way AWS does; :mod:`airlock.access.world` reads a cloud assembly and
says which policies a request meets. Everything that reports a verdict names the deciding
statement through its :class:`Source`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Effect = Literal["Allow", "Deny"]

#: What kind of policy a statement belongs to; it decides how the evaluator combines it.
PolicyKind = Literal[
    "scp",  # service control policy (organization: limits principals of member accounts)
    "rcp",  # resource control policy (organization: limits resources of member accounts)
    "identity",  # inline or managed policy of a role or user
    "boundary",  # permissions boundary of a role or user
    "session",  # session policy passed on AssumeRole
    "trust",  # role trust policy (the resource policy of sts:AssumeRole)
    "resource",  # resource-based policy: queue, bucket, topic, API, endpoint service permissions
    "key",  # KMS key policy
    "endpoint",  # VPC endpoint policy
    # Not IAM policies, but deciders of a flow's network steps, named in verdicts the same way:
    "dns-firewall",  # a Route 53 Resolver DNS Firewall rule
    "network-firewall",  # an AWS Network Firewall rule group
    "security-group",  # a security group's rules
    "endpoint-service",  # the allowed principals of a VPC endpoint service
    "event-bus",  # an EventBridge partner event bus (the association with its partner event source)
    "event-rule",  # an EventBridge rule's pattern, state and targets
    "notification",  # an S3 bucket's event notification configuration
    "hosted-zone",  # a record of a Route 53 private hosted zone
    "handler",  # a CloudFormation resource handler's permission list (deployability)
]


class Verdict(enum.Enum):
    """The answer for one request; UNDECIDED fails every check that meets it."""

    ALLOW = "allow"
    DENY = "deny"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class Source:
    """Where a policy or statement lives, precisely enough to name it in a message.

    :param kind: the kind of policy.
    :param template: template file in the cloud assembly (``airlock-crm-eu-central-1.template.json``);
        None for policies that are not in a template (AWS-managed ``FullAWSAccess``, implicit
        ``RCPFullAWSAccess``).
    :param logical_id: logical id of the resource that holds the policy.
    :param name: a name people know the policy by (SCP name, managed policy name, inline policy name).
    :param sid: the statement's ``Sid``, when it has one.
    :param index: the statement's position in its document (0-based), for statements without a Sid.
    """

    kind: PolicyKind
    template: str | None = None
    logical_id: str | None = None
    name: str | None = None
    sid: str | None = None
    index: int | None = None

    def statement(self, index: int, sid: str | None) -> Source:
        """This source narrowed to one statement of its document."""
        return Source(self.kind, self.template, self.logical_id, self.name, sid, index)

    def describe(self) -> str:
        """``key policy of DropZoneKey503C47FD (airlock-payroll-eu-central-1.template.json), statement Sid X``."""
        what = {
            "scp": "SCP",
            "rcp": "RCP",
            "identity": "identity policy",
            "boundary": "permissions boundary",
            "session": "session policy",
            "trust": "trust policy",
            "resource": "resource policy",
            "key": "key policy",
            "endpoint": "endpoint policy",
            "dns-firewall": "DNS Firewall rule",
            "network-firewall": "Network Firewall rule group",
            "security-group": "security group",
            "endpoint-service": "endpoint service permissions",
            "event-bus": "partner event bus",
            "event-rule": "EventBridge rule",
            "notification": "event notification configuration",
            "hosted-zone": "private hosted zone record",
            "handler": "resource handler",
        }[self.kind]
        parts = [what]
        if self.name:
            parts.append(f"'{self.name}'")
        if self.logical_id:
            parts.append(f"of {self.logical_id}")
        if self.template:
            parts.append(f"({self.template})")
        if self.sid:
            parts.append(f"statement {self.sid}")
        elif self.index is not None:
            parts.append(f"statement #{self.index}")
        return " ".join(parts)


@dataclass(frozen=True)
class Condition:
    """One condition key test of a statement, as written.

    ``operator`` keeps its qualifiers (``ForAnyValue:StringLike``, ``StringEqualsIfExists``);
    ``values`` are the JSON scalars rendered as strings (``true`` -> ``"true"``, ``3600`` ->
    ``"3600"``), in document order.
    """

    operator: str
    key: str
    values: tuple[str, ...]


#: A Principal element: ``(("AWS", (arn, ...)), ("Service", (...)))``; ``"*"`` is ``(("*", ("*",)),)``.
PrincipalMap = tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True)
class Statement:
    """One statement, normalized: every element a tuple, exactly one of each pair set.

    ``unknown`` says why the statement cannot be evaluated (an unresolved template token, an
    element or value the parser does not understand); the evaluator then answers UNDECIDED for
    every request the statement could apply to, never a silent allow or deny.
    """

    effect: Effect
    source: Source
    actions: tuple[str, ...] | None = None
    not_actions: tuple[str, ...] | None = None
    resources: tuple[str, ...] | None = None
    not_resources: tuple[str, ...] | None = None
    principals: PrincipalMap | None = None
    not_principals: PrincipalMap | None = None
    conditions: tuple[Condition, ...] = ()
    unknown: str | None = None
    #: ``${...}`` in Resource and condition values are policy variables (Version 2012-10-17);
    #: False for Version 2008-10-17 or no Version, where they are literal text.
    policy_variables: bool = True


@dataclass(frozen=True)
class Policy:
    """A policy document: its statements and where it lives."""

    source: Source
    statements: tuple[Statement, ...] = ()


PrincipalKind = Literal["role", "user", "root", "service", "anonymous"]


@dataclass(frozen=True)
class Principal:
    """Who makes a request.

    :param arn: what ``aws:PrincipalArn`` holds: the role ARN for a role session
        (``arn:aws:iam::111122223333:role/path/name``), the user ARN, ``arn:aws:iam::<id>:root``
        for the root user, the service name (``s3.amazonaws.com``) for a service principal,
        ``*`` for an anonymous caller.
    :param account: the principal's account; None for service principals and anonymous callers.
    :param session_arn: for a role session, ``arn:aws:sts::<account>:assumed-role/<name>/<session>``.
    :param service_linked: a service-linked role (SCPs and RCPs do not restrict it).
    """

    arn: str
    kind: PrincipalKind
    account: str | None = None
    session_arn: str | None = None
    service_linked: bool = False

    @staticmethod
    def role(arn: str, session: str = "airlock-proof") -> Principal:
        """A session of the role ``arn`` (``arn:aws:iam::<account>:role/<path/>name``)."""
        account = arn.split(":")[4]
        name = arn.split(":", 5)[5].removeprefix("role/").rsplit("/", 1)[-1]
        return Principal(arn, "role", account, f"arn:aws:sts::{account}:assumed-role/{name}/{session}")

    @staticmethod
    def user(arn: str) -> Principal:
        """The IAM user ``arn`` (``arn:aws:iam::<account>:user/<path/>name``) calling with its own keys."""
        return Principal(arn, "user", arn.split(":")[4])

    @staticmethod
    def service(name: str) -> Principal:
        """An AWS service principal such as ``s3.amazonaws.com``."""
        return Principal(name, "service")


#: Condition keys whose values are sets (the evaluator needs ForAnyValue/ForAllValues for them).
MULTIVALUED_KEYS = frozenset({"aws:tagkeys", "aws:calledvia", "aws:principalorgpaths", "aws:principalservicenameslist"})


def context(values: Mapping[str, str | bool | int | Iterable[str]] | None = None) -> dict[str, tuple[str, ...]]:
    """A request context: condition keys lowercased (keys compare case-insensitively), values as
    string tuples (``True`` -> ``("true",)``, a list -> a tuple of its items)."""
    out: dict[str, tuple[str, ...]] = {}
    for key, value in (values or {}).items():
        if isinstance(value, bool):
            out[key.lower()] = ("true" if value else "false",)
        elif isinstance(value, (str, int)):
            out[key.lower()] = (str(value),)
        else:
            out[key.lower()] = tuple(str(item) for item in value)
    return out


@dataclass(frozen=True)
class Request:
    """One API call as AWS authorizes it.

    :param action: ``service:Action`` (compared case-insensitively).
    :param resource: the resource ARN, or ``*`` for actions that take no resource.
    :param context: condition keys (lowercased, see :func:`context`) and their values; a key
        absent here is absent from the request.
    """

    principal: Principal
    action: str
    resource: str
    context: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def value(self, key: str) -> tuple[str, ...] | None:
        """The values of a condition key, None when the request does not carry it."""
        return self.context.get(key.lower())


@dataclass(frozen=True)
class PolicySet:
    """Every policy AWS consults for one request (built by :mod:`airlock.access.world`).

    :param identity: the principal's identity policies (inline and managed).
    :param boundary: the principal's permissions boundary; None when it has none.
    :param session: the session policy of the principal's session; None when none was passed.
    :param scps: SCPs of the principal's account, one tuple per level from the root down to
        the account; None where SCPs do not apply (the management account, service principals,
        service-linked roles, principals outside the organization). A level with no statement
        allowing the request denies it.
    :param rcps: RCPs of the resource's account, by level like ``scps``; None where RCPs do not
        apply.
    :param resource: the resource-based policy (for ``sts:AssumeRole`` the role's trust policy);
        None when the resource has none.
    :param resource_account: the account that owns the resource; None when there is no resource
        or it is unknown.
    :param key_policy: the resource is a KMS key and ``resource`` is its key policy: the key
        policy must allow, alone or by delegating to the account's IAM policies.
    :param endpoint: the VPC endpoint policy of the endpoint the request passes; None when it
        does not pass one (or the endpoint has the default full-access policy).
    :param external_identity: the principal's identity policies lie outside the assembly (a
        vendor's own role): they are assumed to allow, and the decision records the assumption.
    """

    identity: tuple[Policy, ...] = ()
    boundary: Policy | None = None
    session: Policy | None = None
    scps: tuple[tuple[Policy, ...], ...] | None = None
    rcps: tuple[tuple[Policy, ...], ...] | None = None
    resource: Policy | None = None
    resource_account: str | None = None
    key_policy: bool = False
    endpoint: Policy | None = None
    external_identity: bool = False


@dataclass(frozen=True)
class Decision:
    """The evaluator's answer, with the statements that decided it.

    :param reason: one sentence on why, naming the layer (``explicit deny in ...``, ``no
        statement of the permissions boundary allows it``).
    :param deciding: for DENY the denying statement, or the policy without an allow; for ALLOW
        the allowing statement of each layer that had to allow; for UNDECIDED the statements
        that could not be evaluated.
    :param assumptions: what the decision took for granted (``external_identity``).
    """

    verdict: Verdict
    reason: str
    deciding: tuple[Source, ...] = ()
    assumptions: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW

    @property
    def denied(self) -> bool:
        return self.verdict is Verdict.DENY
