"""Facts about the stack a construct is in."""

from __future__ import annotations

import aws_cdk as cdk


def partition_of(stack: cdk.Stack) -> str:
    """The stack's partition: literal (``aws``, ``aws-cn``...) when its region is, else the pseudo parameter."""
    if cdk.Token.is_unresolved(stack.region):
        return cdk.Aws.PARTITION
    return cdk.region_info.RegionInfo.get(stack.region).partition or "aws"
