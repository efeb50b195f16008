"""Probes of the grants: object access outside its prefixes, listings, ACLs, self-assumption, monitoring."""

from __future__ import annotations

from collections.abc import Iterator

from airlock import grants
from airlock.access.chains import assume_steps, session_of
from airlock.access.model import Principal
from airlock.access.probes_common import OUTSIDER_ACCOUNT, admin_step, probe, vendor_session
from airlock.access.steps import Probe, iam_step
from airlock.access.view import IntegrationView, RegionView
from airlock.spec.access import OBJECT_GRANTS


def prefix_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """Each object grant's actions outside the prefixes granted for them; listings outside them."""
    access, zone = view.integration.access, view.integration.drop_zone
    bucket = region.bucket()
    session = vendor_session(view, region)
    if access is None or zone is None or bucket is None or bucket.arn is None or session is None:
        return
    world = view.world
    for kind in OBJECT_GRANTS:
        granted = [g for g in access.grants if g.kind == kind]
        if not granted:
            continue
        outside = [f"{bucket.arn}/airlock-proof-outside.csv"] + [
            f"{bucket.arn}/{prefix}x.csv"
            for prefix in zone.prefixes
            if not any(prefix.startswith(g.target) for g in granted)
        ]
        for action in grants.grant_actions(kind, granted[0].acl).resource:
            for obj in outside:
                step = iam_step(world, f"the vendor's session calls {action} on {obj}", session, action, obj)
                where = obj.rsplit("/", 1)[0]
                yield probe(view, f"{action} outside the granted prefixes ({where}/...)", "prefix", step)
    yield from _listing_probes(view, bucket.arn, session)
    yield from _acl_probes(view, bucket.arn, session)


def _listing_probes(view: IntegrationView, bucket: str, session: Principal) -> Iterator[Probe]:
    """Listing the whole bucket, or a prefix that no read grant covers."""
    access = view.integration.access
    assert access is not None
    read = [g.target for g in access.grants if g.kind == "read_objects"]
    if not read:
        return
    zone = view.integration.drop_zone
    assert zone is not None
    others = [p for p in zone.prefixes if not any(p.startswith(t) for t in read)]
    for prefix in [None, "", *others]:
        extra = None if prefix is None else {"s3:prefix": prefix}
        shown = "without a prefix" if prefix is None else f"with prefix '{prefix}'"
        step = iam_step(
            view.world, f"the vendor's session lists the bucket {shown}", session, "s3:ListBucket", bucket, extra=extra
        )
        yield probe(view, f"list the drop zone {shown}", "listing is limited to the granted prefixes", step)


def _acl_probes(view: IntegrationView, bucket: str, session: Principal) -> Iterator[Probe]:
    """An upload without the ACL a grant requires, or with another ACL."""
    access = view.integration.access
    assert access is not None
    for grant in access.grants:
        if grant.kind != "put_objects" or grant.acl is None:
            continue
        obj = f"{bucket}/{grant.target}airlock-proof.csv"
        for acl in (None, "public-read"):
            extra = None if acl is None else {"s3:x-amz-acl": acl}
            shown = "without an ACL" if acl is None else f"with ACL {acl}"
            step = iam_step(
                view.world, f"the vendor's session puts {obj} {shown}", session, "s3:PutObject", obj, extra=extra
            )
            yield probe(view, f"put under {grant.target} {shown}", f"the grant requires {grant.acl}", step)


def self_assume_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """Only the role itself may assume it again, and the role may chain into no other role."""
    access = view.integration.access
    if access is None or not access.self_assume:
        return
    for principal in view.vendor_principals()[:1]:
        _, role = assume_steps(view, region, principal)
        if role is None:
            continue
        extra = {"sts:ExternalId": view.external_id(), "aws:SourceIp": view.source_address()}
        yield probe(
            view,
            f"another principal of {region.account} assumes {role.name}",
            "self-assumption is for the role itself",
            admin_step(view, region, "sts:AssumeRole", role.arn, **extra),
        )
        other = f"arn:aws:iam::{region.account}:role/airlock-proof-other-role"
        step = iam_step(
            view.world, f"the vendor's session assumes {other}", session_of(role), "sts:AssumeRole", other, extra=extra
        )
        yield probe(view, "the vendor's session chains into another role", "the boundary denies role chaining", step)


def monitoring_probes(view: IntegrationView, region: RegionView) -> Iterator[Probe]:
    """A monitoring grant reads; it changes nothing and reads no other account."""
    access = view.integration.access
    session = vendor_session(view, region)
    if access is None or session is None or not access.grants_of("monitoring"):
        return
    alarm = f"arn:aws:cloudwatch:{region.region}:{region.account}:alarm:airlock-proof"
    foreign = f"arn:aws:cloudwatch:{region.region}:{OUTSIDER_ACCOUNT}:alarm:airlock-proof"
    cases = [
        ("cloudwatch:PutMetricAlarm", alarm, "change an alarm"),
        ("cloudwatch:DeleteAlarms", alarm, "delete an alarm"),
        ("cloudwatch:PutMetricData", "*", "write metrics"),
        ("cloudwatch:DescribeAlarms", foreign, "read another account's alarms"),
        (
            "logs:GetLogEvents",
            f"arn:aws:logs:{region.region}:{region.account}:log-group:any:log-stream:any",
            "read logs",
        ),
    ]
    for action, resource, what in cases:
        step = iam_step(
            view.world, f"the monitoring session calls {action}", session, action, resource, region=region.region
        )
        yield probe(view, f"monitoring: {what}", "monitoring is read-only and for this account", step)
