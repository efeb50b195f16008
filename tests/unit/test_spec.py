"""The spec model, loader and cross-field checks."""

from __future__ import annotations

import json

import pytest

from airlock.spec import SpecError, load, validate
from airlock.spec.schema import json_schema
from tests.conftest import EXAMPLE_SPEC, ROOT
from tests.specs import BASE, DELETE, dump, spec_data


def issues_of(data) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def test_base_spec_is_valid():
    spec = validate(spec_data())
    assert [i.name for i in spec.integrations] == ["crm", "payroll"]
    assert spec.integrations[0].buffers[0].max_receive_count == 5


def test_example_spec_is_valid(example_spec):
    assert {i.name for i in example_spec.integrations} == {"crm", "payroll", "events"}


def test_spec_is_frozen():
    spec = validate(spec_data())
    with pytest.raises(ValueError, match="frozen"):
        spec.integrations[0].name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "path", "fragments"),
    [
        pytest.param(
            {"integrations.0.network": {"cidrr": "10.20.0.0/22", "az_ids": ["euc1-az1", "euc1-az2"]}},
            "integrations[0].network.cidrr",
            ["unknown key 'cidrr'", "did you mean 'cidr'"],
            id="misspelled-key",
        ),
        pytest.param(
            {"integrations.0.owner": DELETE},
            "integrations[0].owner",
            ["required field 'owner' is missing", "add it"],
            id="missing-field",
        ),
        pytest.param(
            {"organization.management_account_id": "10000000001"},
            "organization.management_account_id",
            ["'10000000001'", "11 digits", "exactly 12 digits"],
            id="account-id-11-digits",
        ),
        pytest.param(
            {"organization.management_account_id": 100000000001},
            "organization.management_account_id",
            ["is not quoted, so YAML reads it as a number", "in quotes exactly as written: '100000000001'"],
            id="account-id-unquoted",
        ),
        pytest.param(
            {"integrations.0.regions": ["eu-centrall-1"]},
            "integrations[0].regions[0]",
            ["'eu-centrall-1' is not a known AWS region", "such as eu-central-1"],
            id="unknown-region",
        ),
        pytest.param(
            {"integrations.1.name": "crm"},
            "integrations[1].name",
            ["'crm' is already the name of integrations[0]", "its own name"],
            id="duplicate-names",
        ),
        pytest.param(
            {"integrations.0.network.az_ids": ["euc1-az1", "euw1-az2"]},
            "integrations[0].network.az_ids[1]",
            ["'euw1-az2' is an AZ ID of eu-west-1", "use AZ IDs of those regions"],
            id="az-of-other-region",
        ),
        pytest.param(
            {"integrations.0.network.cidr": "10.20.0.0/33"},
            "integrations[0].network.cidr",
            ["'10.20.0.0/33' is not a valid IPv4 CIDR", "such as"],
            id="invalid-cidr",
        ),
        pytest.param(
            {"integrations.0.network.cidr": "10.20.1.0/22"},
            "integrations[0].network.cidr",
            ["host bits set", "'10.20.0.0/22'"],
            id="cidr-host-bits",
        ),
        pytest.param(
            {"integrations.1.network.cidr": "10.20.2.0/23"},
            "integrations[1].network.cidr",
            ["'10.20.2.0/23' overlaps '10.20.0.0/22' of integrations[0]", "a CIDR of its own"],
            id="overlapping-cidrs",
        ),
        pytest.param(
            {"integrations.0.network.az_ids": ["eu-central-1a", "eu-central-1b"]},
            "integrations[0].network.az_ids[0]",
            ["'eu-central-1a' is an AZ name, not an AZ ID", "euc1-az1"],
            id="az-names",
        ),
        pytest.param(
            {"integrations.0.network.az_ids": ["euc1-az1"]},
            "integrations[0].network.az_ids",
            ["at least 2"],
            id="one-az",
        ),
        pytest.param(
            {"integrations.0.regions": ["eu-central-1", "eu-west-1"]},
            "integrations[0].network.az_ids",
            ["region eu-west-1 has 0 AZ ID(s)", "at least two AZ IDs per region"],
            id="region-without-azs",
        ),
        pytest.param(
            {"integrations.0.network.cidr": "10.20.0.0/28"},
            "integrations[0].network.cidr",
            ["too small for 2 subnets", "larger block"],
            id="cidr-too-small",
        ),
        pytest.param(
            {"integrations.0.network.flow_log_retention_days": 45},
            "integrations[0].network.flow_log_retention_days",
            ["45 days is not a retention CloudWatch Logs accepts", "use one of 1, 3, 5, 7, 14, 30, 60"],
            id="retention-45",
        ),
        pytest.param(
            {"integrations.0.regions": ["us-east-1"], "integrations.0.network.az_ids": ["use1-az1", "use1-az2"]},
            "integrations[0].regions[0]",
            ["'us-east-1' is not in organization.allowed_regions", "add it there"],
            id="region-not-allowed",
        ),
        pytest.param(
            {"integrations.0.account": {"adopt": "100000000001"}},
            "integrations[0].account.adopt",
            ["is the management account"],
            id="adopt-management-account",
        ),
        pytest.param(
            {"integrations.0.account": {}},
            "integrations[0].account",
            ["exactly one of 'create'", "'adopt'"],
            id="account-neither",
        ),
        pytest.param(
            {"integrations.1.account.create.email": "not-an-email"},
            "integrations[1].account.create.email",
            ["'not-an-email' is not an email address"],
            id="bad-email",
        ),
        pytest.param(
            {"integrations.0.data_classification": "secret"},
            "integrations[0].data_classification",
            ["'secret' is not allowed", "'restricted'"],
            id="bad-classification",
        ),
        pytest.param(
            {"integrations.0.buffers": [{"name": "inbound", "max_receive_count": 0}]},
            "integrations[0].buffers[0].max_receive_count",
            ["0:", "greater than or equal to 1"],
            id="max-receive-count-0",
        ),
        pytest.param(
            {"integrations.0.buffers": [{"name": "inbound", "retention_seconds": 1209600}]},
            "integrations[0].buffers[0].dlq_retention_seconds",
            ["dlq_retention_seconds 1209600 is not longer than retention_seconds 1209600"],
            id="dlq-not-longer",
        ),
        pytest.param(
            {"integrations.0.buffers": [{"name": "inbound"}, {"name": "inbound"}]},
            "integrations[0].buffers[1].name",
            ["'inbound' is already the name of buffers[0]"],
            id="duplicate-buffers",
        ),
        pytest.param(
            {"integrations.0.drop_zone": {"prefixes": ["drop/crm/"], "notify_buffer": "outbound"}},
            "integrations[0].drop_zone.notify_buffer",
            ["'outbound' is not a buffer of this integration", "['inbound']"],
            id="drop-zone-unknown-buffer",
        ),
        pytest.param(
            {"integrations.0.drop_zone": {"prefixes": ["drop/*"]}},
            "integrations[0].drop_zone.prefixes",
            ["prefix 'drop/*' is not a key prefix", "e.g. 'drop/payroll/'"],
            id="drop-zone-wildcard-prefix",
        ),
        pytest.param(
            {"integrations.0.owner": "   "},
            "integrations[0].owner",
            ["owner is blank"],
            id="blank-owner",
        ),
    ],
)
def test_bad_input_names_path_value_and_fix(changes, path, fragments):
    issues = issues_of(spec_data(**changes))
    messages = [message for issue_path, message in issues if issue_path == path]
    assert messages, f"no issue at {path}; got {issues}"
    for fragment in fragments:
        assert any(fragment in message for message in messages), (fragment, messages)


def test_every_error_is_reported_at_once():
    data = spec_data(
        **{
            "organization.management_account_id": "123",
            "integrations.0.network.cidr": "nonsense",
            "integrations.1.name": "Bad Name",
        }
    )
    data["integrations"].append({**BASE["integrations"][0], "name": "crm2"})  # overlaps crm's CIDR? crm is broken
    data["integrations"].append({**BASE["integrations"][0], "name": "crm3"})  # duplicates crm2's adopted account
    paths = {path for path, _ in issues_of(data)}
    assert {
        "organization.management_account_id",
        "integrations[0].network.cidr",
        "integrations[1].name",
        "integrations[3].network.cidr",  # crm3 overlaps crm2: a cross-field check despite other errors
        "integrations[3].account.adopt",
    } <= paths


def test_errors_carry_file_lines(tmp_path):
    data = spec_data(**{"integrations.1.network.cidr": "10.20.4.0/40"})
    text = dump(data)
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load(path)
    issue = caught.value.issues[0]
    expected = next(n for n, line in enumerate(text.splitlines(), 1) if "10.20.4.0/40" in line)
    assert issue.line == expected
    assert f"{path}:{expected}: integrations[1].network.cidr:" in caught.value.render()


def test_malformed_yaml_names_its_line(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("organization:\n  home_region: eu-central-1\n  tags: {a: 1\nintegrations: []\n")
    with pytest.raises(SpecError) as caught:
        load(path)
    (issue,) = caught.value.issues
    assert "malformed YAML" in issue.message
    assert issue.line == 4


def test_duplicate_yaml_keys_are_refused(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(dump(spec_data()) + "organization: {}\n")
    with pytest.raises(SpecError, match="key 'organization' appears twice"):
        load(path)


def test_missing_file():
    with pytest.raises(SpecError, match="does not exist"):
        load(ROOT / "examples" / "no-such-spec.yaml")


def test_spec_that_is_not_a_mapping():
    with pytest.raises(SpecError, match="must be a mapping"):
        validate(["a", "list"])


def test_published_schema_is_current():
    published = json.loads((ROOT / "schema" / "airlock-spec.schema.json").read_text())
    assert published == json_schema(), "run `make schema` and commit schema/airlock-spec.schema.json"


def test_examples_reference_the_schema_for_editors():
    for example in sorted((ROOT / "examples").glob("*.yaml")):
        first = example.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schema/airlock-spec.schema.json", example


def test_example_validates_against_published_schema():
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "schema" / "airlock-spec.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(EXAMPLE_SPEC.read_text()), schema)
