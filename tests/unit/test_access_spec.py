"""The access part of the spec: external IDs, principals, grants, session length, core consumers."""

from __future__ import annotations

import pytest

from airlock.cli import main
from airlock.spec import SpecError, validate
from tests.specs import dump, set_path, spec_data

EXTERNAL_ID = "nimbus-7c1f0e92-4b7d"
VENDOR_ROLE = "arn:aws:iam::900000000011:role/nimbus-reader"
CORE_ROLE = "arn:aws:iam::300000000001:role/processor"


def with_access(**changes):
    """The base spec with crm given valid vendor access and a drop zone, then ``changes`` applied."""
    data = spec_data(
        **{
            "organization.organization_id": "o-abcdefghij",
            "organization.access": {"core_account_ids": ["300000000001"]},
            "integrations.0.drop_zone": {"prefixes": ["drop/crm/"]},
            "integrations.0.access": {
                "external_id": EXTERNAL_ID,
                "principals": [VENDOR_ROLE],
                "grants": [{"send": "inbound"}, {"put_objects": "drop/crm/"}],
            },
            "integrations.0.core_consumers": [{"role": CORE_ROLE, "buffers": ["inbound"]}],
        }
    )
    for dotted, value in changes.items():
        set_path(data, dotted, value)
    return data


def issues_of(data) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def test_valid_access_is_accepted():
    spec = validate(with_access())
    access = spec.integrations[0].access
    assert access is not None
    assert access.max_session_seconds == 3600
    assert [(g.kind, g.target) for g in access.grants] == [("send", "inbound"), ("put_objects", "drop/crm/")]
    assert spec.organization.access.external_id_min_length == 16


def test_access_is_optional():
    spec = validate(spec_data())
    assert spec.integrations[0].access is None
    assert spec.integrations[0].core_consumers == []


ACCESS = "integrations.0.access"
AT = "integrations[0].access"


@pytest.mark.parametrize(
    ("changes", "path", "fragments"),
    [
        pytest.param(
            {f"{ACCESS}.external_id": "short-id-123"},
            f"{AT}.external_id",
            ["12 characters, fewer than the 16 this project requires", "longer"],
            id="external-id-too-short",
        ),
        pytest.param(
            {f"{ACCESS}.external_id": "x"},
            f"{AT}.external_id",
            ["(1 characters) is not one AWS accepts", "2-1224"],
            id="external-id-below-aws-minimum",
        ),
        pytest.param(
            {f"{ACCESS}.external_id": "a" * 1225},
            f"{AT}.external_id",
            ["(1225 characters)", "2-1224"],
            id="external-id-too-long",
        ),
        pytest.param(
            {f"{ACCESS}.external_id": "vendor id with spaces!"},
            f"{AT}.external_id",
            ["characters [' ', '!'] are not allowed", "+=,.@:/-_"],
            id="external-id-bad-characters",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["*"]},
            f"{AT}.principals[0]",
            ["'*' trusts every AWS principal", "name the vendor's IAM principals"],
            id="principal-star",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["arn:aws:iam::*:role/any"]},
            f"{AT}.principals[0]",
            ["trusts every AWS principal"],
            id="principal-account-wildcard",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["arn:aws:iam::900000000011:root"]},
            f"{AT}.principals[0]",
            ["is a whole account", "'whole_accounts' with the reason"],
            id="principal-root-without-explicit-declaration",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["arn:aws:iam::100000000001:role/admin"]},
            f"{AT}.principals[0]",
            ["in the organization's management account 100000000001", "never the organisation's own"],
            id="principal-in-management-account",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["arn:aws:iam::300000000001:role/app"]},
            f"{AT}.principals[0]",
            ["in core account 300000000001", "never the organisation's own"],
            id="principal-in-core-account",
        ),
        pytest.param(
            {
                f"{ACCESS}.whole_accounts": [
                    {"account_id": "300000000001", "reason": "the vendor names only its account"}
                ]
            },
            f"{AT}.whole_accounts[0].account_id",
            ["in core account 300000000001"],
            id="trusted-account-is-core",
        ),
        pytest.param(
            {"integrations.0.vendor.account_ids": ["900000000011", "300000000001"]},
            "integrations[0].vendor.account_ids[1]",
            ["'300000000001' is a core account"],
            id="vendor-account-is-core",
        ),
        pytest.param(
            {f"{ACCESS}.principals": ["arn:aws:iam::900000000099:role/other"]},
            f"{AT}.principals[0]",
            ["not one of vendor.account_ids ['900000000011']", "add the account there"],
            id="principal-not-the-vendors",
        ),
        pytest.param(
            {f"{ACCESS}.principals": [], f"{ACCESS}.whole_accounts": []},
            AT,
            ["no principal is trusted"],
            id="nobody-trusted",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"send": "outbound"}]},
            f"{AT}.grants[0].send",
            ["'outbound' is not a buffer of this integration", "['inbound']"],
            id="grant-unknown-buffer",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"consume": "outbound"}]},
            f"{AT}.grants[0].consume",
            ["'outbound' is not a buffer of this integration"],
            id="consume-unknown-buffer",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"put_objects": "drop/other/"}]},
            f"{AT}.grants[0].put_objects",
            ["'drop/other/' is not under a drop-zone prefix", "['drop/crm/']"],
            id="grant-unknown-prefix",
        ),
        pytest.param(
            {"integrations.0.drop_zone": None, f"{ACCESS}.grants": [{"put_objects": "drop/crm/"}]},
            f"{AT}.grants[0].put_objects",
            ["declare a drop_zone"],
            id="grant-prefix-without-drop-zone",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"send": "inbound"}, {"send": "inbound"}]},
            f"{AT}.grants[1].send",
            ["the same grant as grants[0]"],
            id="grant-twice",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"put_objects": "drop/*"}]},
            f"{AT}.grants[0].put_objects",
            ["'drop/*' is not a key prefix"],
            id="grant-wildcard-prefix",
        ),
        pytest.param(
            {f"{ACCESS}.grants": [{"send": "inbound", "consume": "inbound"}]},
            f"{AT}.grants[0]",
            ["exactly one of 'send'", "one grant per list item"],
            id="grant-two-kinds",
        ),
        pytest.param(
            {f"{ACCESS}.max_session_seconds": 900},
            f"{AT}.max_session_seconds",
            ["900 seconds is outside", "3600-43200"],
            id="session-too-short",
        ),
        pytest.param(
            {f"{ACCESS}.max_session_seconds": 43201},
            f"{AT}.max_session_seconds",
            ["43201 seconds is outside", "3600-43200"],
            id="session-too-long",
        ),
        pytest.param(
            {f"{ACCESS}.source_ips": ["10.0.0.0/8"]},
            f"{AT}.source_ips[0]",
            ["is a private, loopback or link-local range"],
            id="source-ip-private",
        ),
        pytest.param(
            {f"{ACCESS}.source_ips": ["0.0.0.0/0"]},
            f"{AT}.source_ips[0]",
            ["is every address"],
            id="source-ip-everything",
        ),
        pytest.param(
            {f"{ACCESS}.session_tags": {"aws:owner": "x"}},
            f"{AT}.session_tags",
            ["session tag key 'aws:owner'"],
            id="session-tag-aws-prefix",
        ),
        pytest.param(
            {f"{ACCESS}.extrnal_id": "typo"},
            f"{AT}.extrnal_id",
            ["unknown key 'extrnal_id'", "did you mean 'external_id'"],
            id="misspelled-key",
        ),
        pytest.param(
            {"integrations.0.core_consumers": [{"role": "arn:aws:iam::300000000009:role/x", "buffers": ["inbound"]}]},
            "integrations[0].core_consumers[0].role",
            ["not one of organization.access.core_account_ids ['300000000001']"],
            id="core-consumer-outside-core",
        ),
        pytest.param(
            {"integrations.0.core_consumers": [{"role": CORE_ROLE, "buffers": ["nope"]}]},
            "integrations[0].core_consumers[0].buffers[0]",
            ["'nope' is not a buffer of this integration"],
            id="core-consumer-unknown-buffer",
        ),
        pytest.param(
            {"organization.organization_id": None},
            "integrations[0].core_consumers",
            ["organization.organization_id is not set"],
            id="core-consumers-need-the-org-id",
        ),
        pytest.param(
            {"organization.organization_id": "o-123"},
            "organization.organization_id",
            ["is not an AWS Organization id"],
            id="bad-org-id",
        ),
    ],
)
def test_bad_access_names_path_value_and_fix(changes, path, fragments):
    issues = issues_of(with_access(**changes))
    messages = [message for issue_path, message in issues if issue_path == path]
    assert messages, f"no issue at {path}; got {issues}"
    for fragment in fragments:
        assert any(fragment in message for message in messages), (fragment, messages)


def test_external_id_reused_by_another_integration_is_refused():
    data = with_access(
        **{
            "integrations.1.access": {
                "external_id": EXTERNAL_ID,
                "principals": ["arn:aws:iam::900000000022:role/ledgerly"],
                "grants": [{"monitoring": "read-only"}],
            }
        }
    )
    (issue,) = [i for i in issues_of(data) if i[0] == "integrations[1].access.external_id"]
    assert "already used by integrations[0]" in issue[1]
    assert "ask this vendor for the ID it issued" in issue[1]


def test_minimum_external_id_length_is_a_setting():
    data = with_access(**{"organization.access.external_id_min_length": 32})
    (issue,) = [i for i in issues_of(data) if i[0] == f"{AT}.external_id"]
    assert "fewer than the 32 this project requires (organization.access.external_id_min_length)" in issue[1]
    relaxed = with_access(**{"organization.access.external_id_min_length": 8, f"{ACCESS}.external_id": "abcdefgh"})
    assert validate(relaxed).integrations[0].access.external_id == "abcdefgh"


def test_the_external_id_is_never_echoed_in_errors():
    secret = "s3cr3t-but-too-short"[:10]
    issues = issues_of(with_access(**{f"{ACCESS}.external_id": secret}))
    assert all(secret not in message for _, message in issues)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({f"{ACCESS}.external_id": "short"}, id="external-id"),
        pytest.param({f"{ACCESS}.principals": ["*"]}, id="principal-star"),
        pytest.param({f"{ACCESS}.max_session_seconds": 50000}, id="session"),
        pytest.param({f"{ACCESS}.grants": [{"send": "outbound"}]}, id="grant"),
    ],
)
def test_cli_exits_2_without_a_traceback(tmp_path, capsys, changes):
    path = tmp_path / "spec.yaml"
    path.write_text(dump(with_access(**changes)))
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "problem" in err
    assert f"{AT}." in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "external_id", ["nimbus-7c1f0e92-4b7d\n", "nimbus-7c1f0e92-4b7dé"], ids=["newline", "non-ascii"]
)
def test_external_id_allows_only_the_aws_characters(external_id):
    issues = issues_of(with_access(**{f"{ACCESS}.external_id": external_id}))
    assert any(path == f"{AT}.external_id" and "are not allowed" in message for path, message in issues)
