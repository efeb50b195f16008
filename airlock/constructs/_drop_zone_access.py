"""Who may use the files of a :class:`airlock.constructs.DropZone`, under which prefix.

Grants to a principal of the drop zone's own account (``grant_read_objects``,
``grant_put_objects``, ``grant_delete_objects``) go to the grantee's identity policies, or,
for a :class:`~airlock.constructs.VendorAccessRole`, to its permissions and boundary along
with the bucket and key policy statements. A grantee whose permissions boundary the grant
cannot extend is refused with an error rather than granted to no effect. Roles of the
organisation's core accounts are admitted by bucket and key policy (``allow_core_access``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from airlock import grants
from airlock.constructs._principals import core_principals
from airlock.constructs.vendor_access import VendorAccessRole
from airlock.grants import GrantActions

CoreAccess = Literal["read", "write", "delete"]
_CORE: dict[str, tuple[str, grants.GrantActions]] = {
    "read": ("CoreReaders", grants.READ_OBJECTS),
    "write": ("CoreWriters", grants.PUT_OBJECTS),
    "delete": ("CoreDeleters", grants.DELETE_OBJECTS),
}


@dataclass(frozen=True)
class CoreAccessStatements:
    """The statements :meth:`DropZone.allow_core_access` added: to the bucket policy, and to the key policy."""

    bucket: tuple[iam.PolicyStatement, ...]
    key: iam.PolicyStatement | None


class DropZoneAccess(Construct):
    """The base of :class:`DropZone`: the grant methods and the core-account admissions."""

    prefixes: tuple[str, ...]
    bucket: s3.IBucket
    bucket_arn: str
    key: kms.IKey
    resource: s3.Bucket
    core_sids: dict[str, int]

    def check_prefix(self, prefix: str) -> None:
        """Refuse ``prefix`` unless it is a declared prefix or a prefix under one."""
        if not prefix.endswith("/") or "*" in prefix or not any(prefix.startswith(p) for p in self.prefixes):
            raise ValueError(
                f"prefix '{prefix}' is not a prefix of this drop zone; use one of {list(self.prefixes)} "
                "(or a prefix under one, ending in '/')"
            )

    def grant_put_objects(self, grantee: iam.IGrantable, prefix: str, *, acl: str | None = None) -> iam.Grant:
        """Let ``grantee`` write objects under ``prefix`` and encrypt them with the drop zone's key.

        :param acl: ``bucket-owner-full-control`` to require that canned ACL on every upload
            (and allow ``s3:PutObjectAcl``, which an upload with an ACL header needs). Default: none.
        """
        self.check_prefix(prefix)
        vendor = _vendor_access(grantee)
        if vendor is not None:
            return vendor.grant_put_objects(self.bucket, prefix, self.key, acl=acl)
        if acl is not None and acl != grants.BUCKET_OWNER_FULL_CONTROL:
            raise ValueError(f"acl '{acl}' is not supported; pass '{grants.BUCKET_OWNER_FULL_CONTROL}' or leave it out")
        return self._grant_objects(grantee, prefix, grants.grant_actions("put_objects", acl))

    def grant_read_objects(self, grantee: iam.IGrantable, prefix: str) -> iam.Grant:
        """Let ``grantee`` read and decrypt the objects under ``prefix``, list the keys under it
        (``s3:ListBucket`` with ``s3:prefix``) and find the bucket's region."""
        self.check_prefix(prefix)
        vendor = _vendor_access(grantee)
        if vendor is not None:
            return vendor.grant_read_objects(self.bucket, prefix, self.key)
        return self._grant_objects(grantee, prefix, grants.READ_OBJECTS)

    def grant_delete_objects(self, grantee: iam.IGrantable, prefix: str) -> iam.Grant:
        """Let ``grantee`` delete the objects under ``prefix`` and their versions."""
        self.check_prefix(prefix)
        vendor = _vendor_access(grantee)
        if vendor is not None:
            return vendor.grant_delete_objects(self.bucket, prefix)
        return self._grant_objects(grantee, prefix, grants.DELETE_OBJECTS)

    def _grant_objects(self, grantee: iam.IGrantable, prefix: str, actions: GrantActions) -> iam.Grant:
        _refuse_unextendable(grantee, cdk.Stack.of(self).account)
        parts: list[tuple[Sequence[str], list[str], Mapping[str, Any] | None]] = [
            (actions.resource, [f"{self.bucket_arn}/{prefix}*"], actions.conditions)
        ]
        if actions.listing:
            parts.append((actions.listing, [self.bucket_arn], grants.prefix_condition(prefix)))
        if actions.bucket:
            parts.append((actions.bucket, [self.bucket_arn], None))
        if actions.key:
            via = f"{actions.via}.{cdk.Stack.of(self).region}.amazonaws.com"
            parts.append((actions.key, [self.key.key_arn], {"StringEquals": {"kms:ViaService": via}}))
        combined: iam.Grant | None = None
        for part_actions, resources, conditions in parts:
            grant = iam.Grant.add_to_principal(
                grantee=grantee, actions=list(part_actions), resource_arns=resources, conditions=conditions
            )
            combined = grant if combined is None else combined.combine(grant)
        assert combined is not None
        return combined

    def allow_core_readers(
        self, role_arns: Sequence[str], *, organization_id: str, prefixes: Sequence[str] | None = None
    ) -> CoreAccessStatements:
        """Let exactly ``role_arns`` (roles of the organisation's core accounts) read the files:
        :meth:`allow_core_access` with ``access="read"``."""
        return self.allow_core_access(role_arns, organization_id=organization_id, access="read", prefixes=prefixes)

    def allow_core_access(
        self,
        role_arns: Sequence[str],
        *,
        organization_id: str,
        access: CoreAccess,
        prefixes: Sequence[str] | None = None,
    ) -> CoreAccessStatements:
        """Let exactly ``role_arns`` (roles in the organisation's core accounts) use the files under ``prefixes``.

        ``read`` admits ``s3:GetObject`` and ``s3:GetObjectVersion`` on the objects, ``s3:ListBucket``
        for keys under the prefixes and ``s3:GetBucketLocation`` (the key: ``kms:Decrypt``);
        ``write`` admits ``s3:PutObject`` (the key: ``kms:GenerateDataKey``, ``kms:Decrypt``);
        ``delete`` admits ``s3:DeleteObject`` and ``s3:DeleteObjectVersion``. Key use is
        limited to S3 (``kms:ViaService``). Every statement names the roles' accounts as
        principals and admits only those role ARNs (``aws:PrincipalArn``) of the organisation
        (``aws:PrincipalOrgID``), so the bucket and key deploy before the core roles exist. The
        core roles need the same actions in their own policies (:class:`DropZoneReader` and
        :class:`DropZoneWriter` grant them on the core side).

        :param prefixes: the prefixes (declared, or under one). Default: every prefix of the drop zone.
        """
        if access not in _CORE:
            raise ValueError(f"access '{access}' is not one of {sorted(_CORE)}")
        chosen = list(prefixes) if prefixes is not None else list(self.prefixes)
        for prefix in chosen:
            self.check_prefix(prefix)
        base, actions = _CORE[access]
        sid = self._core_sid(base)
        principals, who = core_principals(role_arns, organization_id)
        parts: list[tuple[str, Sequence[str], list[str], dict[str, Any]]] = [
            (sid, actions.resource, [f"{self.bucket_arn}/{prefix}*" for prefix in chosen], who)
        ]
        if actions.listing:
            listing = {**who, "StringLike": {"s3:prefix": [f"{prefix}*" for prefix in chosen]}}
            parts.append((f"{sid}List", actions.listing, [self.bucket_arn], listing))
        if actions.bucket:
            parts.append((f"{sid}Location", actions.bucket, [self.bucket_arn], who))
        bucket_statements = []
        for part_sid, part_actions, resources, conditions in parts:
            statement = iam.PolicyStatement(
                sid=part_sid,
                principals=principals,
                actions=list(part_actions),
                resources=resources,
                conditions=conditions,
            )
            self.resource.add_to_resource_policy(statement)
            bucket_statements.append(statement)
        key_statement = None
        if actions.key:
            via = f"s3.{cdk.Stack.of(self).region}.amazonaws.com"
            key_statement = iam.PolicyStatement(
                sid=sid,
                principals=principals,
                actions=list(actions.key),
                resources=["*"],
                conditions={**who, "StringEquals": {**who["StringEquals"], "kms:ViaService": via}},
            )
            self.key.add_to_resource_policy(key_statement)
        return CoreAccessStatements(bucket=tuple(bucket_statements), key=key_statement)

    def _core_sid(self, base: str) -> str:
        self.core_sids[base] = self.core_sids.get(base, 0) + 1
        count = self.core_sids[base]
        return base if count == 1 else f"{base}{count}"


def _vendor_access(grantee: iam.IGrantable) -> VendorAccessRole | None:
    """The :class:`VendorAccessRole` a grant is for: the construct itself, or its role."""
    if isinstance(grantee, VendorAccessRole):
        return grantee
    if isinstance(grantee, Construct) and isinstance(grantee.node.scope, VendorAccessRole):
        owner = grantee.node.scope
        if grantee.node.path == owner.role.node.path:
            return owner
    return None


def _refuse_unextendable(grantee: iam.IGrantable, account: str) -> None:
    """A grant that a boundary or another account would make ineffective is an error, not a no-op."""
    principal = grantee.grant_principal
    if isinstance(principal, iam.Role) and principal.permissions_boundary is not None:
        raise ValueError(
            f"{principal.node.path} has a permissions boundary that this grant cannot extend, so the grant would "
            "have no effect; add the actions to that boundary and grant through its owner, or grant to a "
            "VendorAccessRole (which extends its own boundary)"
        )
    other = principal.principal_account
    if other and not cdk.Token.is_unresolved(other) and not cdk.Token.is_unresolved(account) and other != account:
        raise ValueError(
            f"the grantee is in account {other}, not the drop zone's {account}; admit a core role with "
            "allow_core_access(...) here and grant it with DropZoneReader or DropZoneWriter in its own account"
        )
