"""What to hand back to the vendor: the stack outputs the vendor needs, read from the templates.

An output is a hand-back when its description starts with :data:`HAND_BACK` (the vendor role's
ARN, the id of each vendor endpoint for the vendor to accept the connection, the service name of
each exposed API for the vendor to create its endpoint). Its value exists only after deployment;
the register names the output and the stack to read it from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from airlock.register.assembly import StackTemplate
from airlock.register.records import HandBackRecord

HAND_BACK = "Hand this to the vendor"

#: What an output is, for outputs whose description says no more than :data:`HAND_BACK`.
_KNOWN = {"VendorRoleArn": "the ARN of the role the vendor assumes (with its external ID)"}


def hand_back(
    stacks: Iterable[StackTemplate], values: Mapping[tuple[str, str], str] | None = None
) -> list[HandBackRecord]:
    """Every hand-back output of ``stacks``; ``values``: (stack, output) -> the value's shape, where
    the register can tell it before deployment (a webhook's URL)."""
    values = values or {}
    out = []
    for stack in stacks:
        for key, output in sorted((stack.template.get("Outputs") or {}).items()):
            description = str((output or {}).get("Description") or "")
            if not description.startswith(HAND_BACK):
                continue
            what = description[len(HAND_BACK) :].lstrip(": ").strip() or _KNOWN.get(key, f"the value of {key}")
            out.append(
                HandBackRecord(
                    output=key, what=what, stack=stack.name, region=stack.region, value=values.get((stack.name, key))
                )
            )
    return out
