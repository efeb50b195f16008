"""docs/policy-evaluation.md stays true to the code: every operator and RCP service it
lists is the evaluator's, and back."""

from __future__ import annotations

import re

from airlock.access import conditions
from airlock.access.evaluate import RCP_SERVICES, TRUST_ACTIONS
from tests.conftest import ROOT

DOC = (ROOT / "docs" / "policy-evaluation.md").read_text()
SERVICE_NAMES = {
    "s3": "S3",
    "sts": "STS",
    "kms": "KMS",
    "sqs": "SQS",
    "secretsmanager": "Secrets Manager",
    "ecr": "ECR",
    "aoss": "OpenSearch Serverless",
    "cognito-idp": "Cognito user pools",
    "cognito-identity": "Cognito identity pools",
    "logs": "CloudWatch Logs",
    "dynamodb": "DynamoDB",
}


def test_every_operator_is_documented() -> None:
    table = DOC[DOC.index("### Condition operators") : DOC.index("- **Missing key**")]
    documented = set(re.findall(r"`([A-Z][A-Za-z]+)(?:\(Equals\))?`", table))
    documented |= {name + "Equals" for name in re.findall(r"`([A-Za-z]+)\(Equals\)`", table)}
    assert documented >= conditions.OPERATORS


def test_the_rcp_services_are_the_documented_ones() -> None:
    assert set(SERVICE_NAMES) == RCP_SERVICES
    line = next(line for line in DOC.splitlines() if "support: S3" in line)
    paragraph = " ".join(DOC[DOC.index(line) : DOC.index("4. **VPC endpoint policy**")].split())
    for name in SERVICE_NAMES.values():
        assert name in paragraph


def test_the_trust_actions_are_the_assume_role_family() -> None:
    assert {"sts:assumerole", "sts:tagsession", "sts:setsourceidentity"} <= TRUST_ACTIONS
    assert all(action.startswith("sts:") for action in TRUST_ACTIONS)
