"""The spec's vendor patterns: object grants on prefixes, principal forms, external-ID policy,
monitoring, core producers; each misuse named with field, value and fix."""

from __future__ import annotations

import pytest

from airlock.cli import main
from airlock.spec import SpecError, validate
from airlock.spec.vendors import external_id_policy
from tests.specs import DELETE, dump, set_path, spec_data

VENDOR_ROLE = "arn:aws:iam::900000000011:role/nimbus-reader"
CORE = "arn:aws:iam::300000000001:role/exporter"
SHARED = "dbx-6f3c2a1e-8b7d-4c5a-9e0f-1a2b3c4d5e6f"
REASON = "the vendor's setup guide names only its account"
ACCESS = "integrations.0.access"
AT = "integrations[0].access"


def data(**changes):
    out = spec_data(
        **{
            "organization.organization_id": "o-abcdefghij",
            "organization.access": {"core_account_ids": ["300000000001"]},
            "integrations.0.drop_zone": {"prefixes": ["load/", "unload/"]},
            "integrations.0.access": {
                "external_id": "nimbus-7c1f0e92-4b7d",
                "principals": [VENDOR_ROLE],
                "grants": [{"read_objects": "load/"}],
            },
        }
    )
    for dotted, value in changes.items():
        set_path(out, dotted, value)
    return out


def issues(spec) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(spec)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def messages_at(spec, path):
    found = [message for where, message in issues(spec) if where == path]
    assert found, f"no issue at {path}: {issues(spec)}"
    return " / ".join(found)


def test_every_new_grant_kind_is_accepted_with_its_target():
    spec = validate(
        data(
            **{
                f"{ACCESS}.grants": [
                    {"read_objects": "load/"},
                    {"put_objects": "unload/", "acl": "bucket-owner-full-control"},
                    {"delete_objects": "unload/sub/"},
                    {"monitoring": "read-only"},
                ]
            }
        )
    )
    access = spec.integrations[0].access
    assert [(g.kind, g.target, g.acl) for g in access.grants] == [
        ("read_objects", "load/", None),
        ("put_objects", "unload/", "bucket-owner-full-control"),
        ("delete_objects", "unload/sub/", None),
        ("monitoring", "read-only", None),
    ]


def test_user_principals_whole_accounts_and_self_assumption_are_first_class():
    spec = validate(
        data(
            **{
                f"{ACCESS}.principals": ["arn:aws:iam::900000000011:user/abc1-b-self1234"],
                f"{ACCESS}.whole_accounts": [{"account_id": "900000000011", "reason": REASON}],
                f"{ACCESS}.self_assume": True,
            }
        )
    )
    access = spec.integrations[0].access
    assert access.principal_accounts == ["900000000011", "900000000011"]
    assert access.trusted_account_ids == ["900000000011"] and access.self_assume


def test_an_external_id_declared_once_for_a_vendor_is_required_by_each_of_its_integrations():
    spec = data(
        **{
            "organization.vendors": [{"name": "Nimbus CRM", "external_id": SHARED}],
            f"{ACCESS}.external_id": DELETE,
            "integrations.1.vendor.name": "Nimbus CRM",
            "integrations.1.vendor.account_ids": ["900000000011"],
            "integrations.1.drop_zone": {"prefixes": ["drop/"]},
            "integrations.1.access": {"principals": [VENDOR_ROLE], "grants": [{"read_objects": "drop/"}]},
        }
    )
    parsed = validate(spec)
    first, second = parsed.integrations
    policy = external_id_policy(parsed.organization, first, list(parsed.integrations))
    assert (policy.value, policy.declared_in, policy.shared_with) == (SHARED, "organization.vendors[0]", ("payroll",))
    assert external_id_policy(parsed.organization, second).value == SHARED


def test_a_vendor_whose_ids_are_short_gets_its_own_minimum():
    short = data(**{f"{ACCESS}.external_id": "amiable_fjord"})
    message = messages_at(short, f"{AT}.external_id")
    assert "13 characters, fewer than the 16" in message
    assert "set access.external_id_min_length: 13 for this integration" in message
    spec = validate(data(**{f"{ACCESS}.external_id": "amiable_fjord", f"{ACCESS}.external_id_min_length": 12}))
    assert external_id_policy(spec.organization, spec.integrations[0]).min_length == 12


@pytest.mark.parametrize(
    ("changes", "path", "fragments"),
    [
        pytest.param(
            {f"{ACCESS}.grants": [{"read_objects": "elsewhere/"}]},
            f"{AT}.grants[0].read_objects",
            ["'elsewhere/' is not under a drop-zone prefix", "['load/', 'unload/']"],
            id="read-outside-the-prefixes",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"delete_objects": "loa/"}]},
            f"{AT}.grants[0].delete_objects",
            ["'loa/' is not under a drop-zone prefix"],
            id="delete-outside-the-prefixes",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"read_objects": "load/*"}]},
            f"{AT}.grants[0].read_objects",
            ["'load/*' is not a key prefix"],
            id="read-wildcard",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"read_objects": "load/", "acl": "bucket-owner-full-control"}]},
            f"{AT}.grants[0]",
            ["'acl' belongs to a put_objects grant"],
            id="acl-on-a-read",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"put_objects": "load/", "acl": "public-read"}]},
            f"{AT}.grants[0].acl",
            ["'public-read' is not allowed", "'bucket-owner-full-control'"],
            id="acl-other-than-owner-full-control",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"monitoring": "full"}]},
            f"{AT}.grants[0].monitoring",
            ["'full' is not allowed", "'read-only'"],
            id="monitoring-level",
        ),
        pytest.param(
            {f"{ACCESS}.grants": []},
            AT,
            ["grants is empty: the vendor could assume the role and then do nothing", "remove the access block"],
            id="no-grants",
        ),
        pytest.param(
            {
                f"{ACCESS}.principals": [],
                f"{ACCESS}.whole_accounts": [{"account_id": "900000000011", "reason": REASON}],
                f"{ACCESS}.external_id": DELETE,
            },
            f"{AT}.external_id",
            ["no external ID", "trusts whole accounts", "every customer of the vendor", "access.external_id"],
            id="whole-account-without-external-id",
        ),
        pytest.param(
            {f"{ACCESS}.whole_accounts": [{"account_id": "900000000011"}]},
            f"{AT}.whole_accounts[0].reason",
            ["required field 'reason' is missing"],
            id="whole-account-without-reason",
        ),
        pytest.param(
            {f"{ACCESS}.whole_accounts": [{"account_id": "900000000011", "reason": "because"}]},
            f"{AT}.whole_accounts[0].reason",
            ["at least 20 characters"],
            id="whole-account-reason-too-short",
        ),
        pytest.param(
            {f"{ACCESS}.trust_accounts": ["900000000011"]},
            AT,
            ["'trust_accounts' is now 'whole_accounts'", "account_id: '900000000011'"],
            id="trust-accounts-migrated",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["arn:aws:iam::900000000011:group/vendors"]},
            f"{AT}.principals[0]",
            ["is not an IAM role or user ARN", "groups and wildcards are not accepted"],
            id="group-principal",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["arn:aws:iam::300000000001:user/admin"]},
            f"{AT}.principals[0]",
            ["in core account 300000000001"],
            id="user-in-a-core-account",
        ),
        pytest.param(
            {f"{ACCESS}.external_id": "amiable_fjord", f"{ACCESS}.external_id_min_length": 14},
            f"{AT}.external_id",
            ["fewer than the 14 this project requires (access.external_id_min_length)"],
            id="below-the-integrations-own-minimum",
        ),
        pytest.param(
            {f"{ACCESS}.external_id_min_length": 1},
            f"{AT}.external_id_min_length",
            ["greater than or equal to 2"],
            id="minimum-below-what-aws-accepts",
        ),
        pytest.param(
            {"organization.vendors": [{"name": "Nimbus CRM", "external_id": "nimbus-7c1f0e92-4b7d"}]},
            f"{AT}.external_id",
            ["already declared once for vendor 'Nimbus CRM' in organization.vendors[0]", "remove it here"],
            id="shared-id-repeated-in-access",
        ),
        pytest.param(
            {"organization.vendors": [{"name": "Ledgerly", "external_id": "nimbus-7c1f0e92-4b7d"}]},
            f"{AT}.external_id",
            ["belongs to vendor 'Ledgerly'"],
            id="shared-id-reused-by-another-vendor",
        ),
        pytest.param(
            {"organization.vendors": [{"name": "Nimbus CMR", "external_id": SHARED}]},
            "organization.vendors[0].name",
            ["no integration has vendor.name 'Nimbus CMR'", "did you mean 'Nimbus CRM'?"],
            id="shared-vendor-misspelt",
        ),
        pytest.param(
            {
                "organization.vendors": [{"name": "Nimbus CRM", "external_id": SHARED}],
                f"{ACCESS}.external_id": DELETE,
                f"{ACCESS}.external_id_issued_by": "organization",
            },
            f"{AT}.external_id_issued_by",
            ["organization.vendors[0]'s", "say who issued it there"],
            id="issuer-beside-a-shared-id",
        ),
        pytest.param(
            {"integrations.0.core_producers": [{"role": CORE, "buffers": ["nope"]}]},
            "integrations[0].core_producers[0].buffers[0]",
            ["'nope' is not a buffer of this integration", "['inbound']"],
            id="producer-unknown-buffer",
        ),
        pytest.param(
            {"integrations.0.core_producers": [{"role": CORE, "put_objects": ["other/"]}]},
            "integrations[0].core_producers[0].put_objects[0]",
            ["'other/' is not under a drop-zone prefix"],
            id="producer-prefix-outside",
        ),
        pytest.param(
            {"integrations.0.core_producers": [{"role": "arn:aws:iam::300000000009:role/x", "buffers": ["inbound"]}]},
            "integrations[0].core_producers[0].role",
            ["not one of organization.access.core_account_ids"],
            id="producer-outside-core",
        ),
        pytest.param(
            {"integrations.0.core_producers": [{"role": CORE}]},
            "integrations[0].core_producers[0]",
            ["the producer may do nothing"],
            id="producer-without-anything",
        ),
        pytest.param(
            {"integrations.0.core_consumers": [{"role": CORE, "read_objects": ["x/"]}]},
            "integrations[0].core_consumers[0].read_objects[0]",
            ["'x/' is not under a drop-zone prefix"],
            id="consumer-read-outside",
        ),
        pytest.param(
            {"integrations.0.core_consumers": [{"role": CORE, "read_objects": []}]},
            "integrations[0].core_consumers[0]",
            ["the consumer may do nothing"],
            id="consumer-without-anything",
        ),
        pytest.param(
            {
                "organization.organization_id": None,
                "integrations.0.core_producers": [{"role": CORE, "buffers": ["inbound"]}],
            },
            "integrations[0].core_producers",
            ["organization.organization_id is not set"],
            id="producers-need-the-org-id",
        ),
    ],
)
def test_misuse_names_the_field_the_value_and_the_fix(changes, path, fragments):
    message = messages_at(data(**changes), path)
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_the_shared_external_id_is_never_echoed():
    spec = data(**{"organization.vendors": [{"name": "Ledgerly", "external_id": "nimbus-7c1f0e92-4b7d"}]})
    assert all("nimbus-7c1f0e92-4b7d" not in message for _, message in issues(spec))


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({f"{ACCESS}.grants": [{"read_objects": "elsewhere/"}]}, id="read-outside"),
        pytest.param({f"{ACCESS}.trust_accounts": ["900000000011"]}, id="old-key"),
    ],
)
def test_cli_exits_2_with_the_problem_and_no_traceback(tmp_path, capsys, changes):
    path = tmp_path / "spec.yaml"
    path.write_text(dump(data(**changes)))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{AT}" in err and "Traceback" not in err
