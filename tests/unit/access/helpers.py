"""Builders shared by the access-model tests: policies from JSON, principals, requests."""

from __future__ import annotations

from typing import Any

from airlock.access.evaluate import evaluate
from airlock.access.model import Decision, Policy, PolicyKind, PolicySet, Principal, Request, Source, context
from airlock.access.policy import parse_policy

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app"
ROLE = Principal.role(ROLE_ARN, "s1")
USER = Principal(f"arn:aws:iam::{ACCOUNT}:user/bob", "user", ACCOUNT)
ROOT = Principal(f"arn:aws:iam::{ACCOUNT}:root", "root", ACCOUNT)
OUTSIDER = Principal.role(f"arn:aws:iam::{OTHER}:role/vendor", "v1")
S3 = Principal.service("s3.amazonaws.com")
ANONYMOUS = Principal("*", "anonymous")
BUCKET = "arn:aws:s3:::data"
OBJECT = "arn:aws:s3:::data/in/file.csv"
QUEUE = f"arn:aws:sqs:eu-central-1:{ACCOUNT}:buffer"
KEY = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def policy(
    kind: PolicyKind, *statements: dict[str, Any], name: str = "p", version: str | None = "2012-10-17"
) -> Policy:
    """A policy of ``kind`` from statement dicts (Version 2012-10-17 unless told)."""
    document: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        document["Version"] = version
    return parse_policy(document, Source(kind, name=name))


def allow(action: str | list[str] = "*", resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str] = "*", resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def identity(*statements: dict[str, Any], name: str = "app-policy") -> Policy:
    return policy("identity", *statements, name=name)


def request(principal: Principal, action: str, resource: str = "*", **keys: Any) -> Request:
    """A request; ``keys`` are condition keys with ``__`` for ``:`` and ``_`` kept
    (``aws__SourceIp="203.0.113.9"``), or pass ``ctx={...}``."""
    ctx = keys.pop("ctx", {})
    ctx.update({key.replace("__", ":"): value for key, value in keys.items()})
    return Request(principal, action, resource, context(ctx))


def decide(req: Request, **policies: Any) -> Decision:
    return evaluate(req, PolicySet(**policies))


FULL_ACCESS = policy("scp", allow(), name="FullAWSAccess")
