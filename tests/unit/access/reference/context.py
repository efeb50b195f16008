"""The request context the evaluator sees: the caller's keys plus the principal keys AWS sets.

Derived from ``request.principal`` when the caller's context lacks them
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):

- ``aws:PrincipalArn``: the role, user or root ARN; "Anonymous requests do not include this
  key"; for a service principal the documentation lists no value, so it is unknown;
- ``aws:PrincipalAccount``: the principal's account, ``anonymous`` for anonymous requests
  ("For anonymous requests, the request context returns anonymous"); unknown for a service
  principal;
- ``aws:PrincipalIsAWSService``: ``true`` for a service principal, ``false`` for an IAM
  principal, absent for anonymous requests;
- ``aws:PrincipalServiceName``: the service principal's name, absent otherwise.

Every other key comes from the caller's context; a key it does not carry is absent.
"""

from __future__ import annotations

from functools import lru_cache

from airlock.access.model import Principal, Request
from airlock.access.variables import UNKNOWN, Lookup, Marker

Derived = dict[str, tuple[str, ...] | Marker]


@lru_cache(maxsize=4096)
def derived(principal: Principal) -> Derived:
    """The principal keys of ``principal`` (``UNKNOWN`` where AWS documents no value)."""
    if principal.kind == "service":
        return {
            "aws:principalarn": UNKNOWN,
            "aws:principalaccount": UNKNOWN,
            "aws:principalisawsservice": ("true",),
            "aws:principalservicename": (principal.arn,),
        }
    if principal.kind == "anonymous":
        return {"aws:principalaccount": ("anonymous",)}
    out: Derived = {"aws:principalarn": (principal.arn,), "aws:principalisawsservice": ("false",)}
    if principal.account:
        out["aws:principalaccount"] = (principal.account,)
    return out


def lookup_for(request: Request) -> Lookup:
    """Key -> values (None when absent, UNKNOWN when unknowable), keys lowercased."""
    given = request.context
    implied = derived(request.principal)

    def lookup(key: str) -> tuple[str, ...] | Marker | None:
        values = given.get(key)
        if values is not None:
            return values
        return implied.get(key)

    return lookup
