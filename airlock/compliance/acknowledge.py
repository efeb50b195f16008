"""The one way to acknowledge a compliance finding: next to the resource, with a reason and an owner."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct

MIN_REASON = 20
#: Owner of the acknowledgements that the project's own constructs and stacks make.
PROJECT_OWNER = "saas-airlock"
#: Construct metadata with who an acknowledgement is for; the report joins it to the finding.
ACKNOWLEDGEMENT_METADATA = "airlock:acknowledgement"


def acknowledgement_id(rule: str) -> str:
    """The CDK acknowledgement id for ``rule``: ``<pack>::<rule>``.

    ``AwsSolutions-IAM5[Action::kms:Decrypt*]`` becomes
    ``AwsSolutions::AwsSolutions-IAM5[Action::kms:Decrypt*]``; an id that already names its
    plugin (``cdk-validator-cfnguard::kms_create_grant_aws_service_check``, as the report
    prints for Control Tower findings) is used as it is.
    """
    head = rule.split("[", 1)[0]
    if "::" in head:
        return rule
    pack, sep, _ = rule.partition("-")
    if not sep or not pack:
        raise ValueError(f"rule {rule!r} has no pack prefix; write it as e.g. 'AwsSolutions-IAM5'")
    return f"{pack}::{rule}"


def acknowledge(
    scope: IConstruct,
    rule: str,
    *,
    reason: str,
    owner: str = PROJECT_OWNER,
    ticket: str | None = None,
) -> None:
    """Acknowledge finding ``rule`` (e.g. ``AwsSolutions-IAM5[Action::kms:Decrypt*]``) on ``scope``.

    Findings of plugins whose rule ids do not start with the plugin's name are written with
    the plugin, e.g. ``CloudFormation-Validate::W3010``.

    The acknowledgement applies to ``scope`` and everything below it, is recorded in the
    cloud assembly and is listed with its reason, owner and ticket in the validation and
    check reports, so auditors see every exception and whom to ask about it.

    :param reason: why the finding does not apply here (>= 20 characters).
    :param owner: the team or person the acknowledgement is for, who answers for it. Default:
        ``saas-airlock``, for acknowledgements the project's own constructs make.
    :param ticket: a reference to where the exception was agreed (e.g. ``SEC-1234``). Default: none.
    """
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(
            f"reason {reason!r} for acknowledging {rule} is shorter than {MIN_REASON} characters; "
            "say why the finding does not apply here"
        )
    if not owner.strip():
        raise ValueError(f"owner {owner!r} for acknowledging {rule} is blank; name the team the exception is for")
    if ticket is not None and not ticket.strip():
        raise ValueError(f"ticket {ticket!r} for acknowledging {rule} is blank; pass a reference or leave it out")
    ack_id = acknowledgement_id(rule)
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=ack_id, reason=reason.strip()))
    record = {"id": ack_id, "owner": owner.strip()}
    if ticket is not None:
        record["ticket"] = ticket.strip()
    scope.node.add_metadata(ACKNOWLEDGEMENT_METADATA, record, stack_trace=False)
