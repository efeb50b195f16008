"""Bad spec input is caught before deploy: at once, at the field itself, with a fix that is valid."""

from __future__ import annotations

import re

import pytest

from airlock.cli import main
from airlock.spec import SpecError, load, validate
from tests.specs import dump, set_path, spec_data


def issues_of(data) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def issues_of_text(tmp_path, text: str) -> list[tuple[str, str]]:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load(path)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def at(issues, path: str) -> list[str]:
    return [message for where, message in issues if where == path]


# --- YAML aliases ------------------------------------------------------------------------


def alias_bomb(levels: int) -> str:
    """Each level is a list of ten aliases of the level below: 10**levels values when expanded."""
    lines = ["organization:", "  tags:", "    l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"    l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
    return "\n".join(lines) + "\nintegrations: []\n"


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path):
    issues = issues_of_text(tmp_path, alias_bomb(5))
    assert len(issues) == 1, issues
    path, message = issues[0]
    assert path == "(spec)"
    assert "aliases expand" in message and "more than" in message
    assert "write the repeated parts out" in message


@pytest.mark.parametrize(
    "text",
    [
        "organization: &org\n  tags:\n    self: *org\nintegrations: []\n",
        "organization:\n  allowed_regions: &regions [eu-central-1, *regions]\nintegrations: []\n",
    ],
)
def test_a_recursive_alias_is_refused(tmp_path, text):
    issues = issues_of_text(tmp_path, text)
    assert [(path, "refers to itself" in message) for path, message in issues] == [("(spec)", True)], issues


def test_ordinary_anchors_aliases_and_merge_keys_still_work(tmp_path):
    text = dump(spec_data())
    anchored = (
        "  buffers:\n  - &buffer\n    name: inbound\n    max_receive_count: 7\n  - <<: *buffer\n    name: outbound\n"
    )
    assert "  buffers:\n  - name: inbound\n" in text
    path = tmp_path / "spec.yaml"
    path.write_text(text.replace("  buffers:\n  - name: inbound\n", anchored))
    spec = load(path)
    assert [(b.name, b.max_receive_count) for b in spec.integrations[0].buffers] == [("inbound", 7), ("outbound", 7)]


@pytest.mark.parametrize("command", ["validate", "synth"])
def test_an_alias_bomb_exits_2_without_traceback_and_writes_nothing(tmp_path, capsys, command):
    path = tmp_path / "spec.yaml"
    path.write_text(alias_bomb(7))
    extra = ["--out", str(tmp_path / "out")] if command == "synth" else []
    assert main([command, str(path), *extra]) == 2
    err = capsys.readouterr().err
    assert "aliases expand" in err and "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]


# --- account ids that YAML reads as numbers ----------------------------------------------


def test_an_unquoted_account_id_with_a_leading_zero_is_to_be_quoted_as_written(tmp_path):
    written = "012345670123"  # only digits 0-7: YAML 1.1 reads an octal number
    text = dump(spec_data()).replace("'100000000001'", written).replace('"100000000001"', written)
    assert f"management_account_id: {written}" in text
    (message,) = at(issues_of_text(tmp_path, text), "organization.management_account_id")
    mangled = int(written, 8)
    assert f"'{written}'" in message and "quotes" in message and "as written" in message
    assert str(mangled) not in message and f"{mangled:012d}" not in message


def test_an_unquoted_twelve_digit_account_id_is_to_be_quoted():
    (message,) = at(
        issues_of(spec_data(**{"organization.management_account_id": 100000000001})),
        "organization.management_account_id",
    )
    assert "'100000000001'" in message and "quotes" in message


def test_a_number_that_is_not_twelve_digits_gets_no_invented_account_id():
    (message,) = at(
        issues_of(spec_data(**{"organization.management_account_id": 12345})), "organization.management_account_id"
    )
    assert "'000000012345'" not in message and "12 digits" in message


# --- fixes that are themselves valid -----------------------------------------------------

#: "write 'x'", "write the network address: 'x'", "write the name without it ('x')".
SUGGESTION = re.compile(r"write\b[^']{0,40}'([^']*)'")

FIXABLE = [
    ("integrations.0.network.egress", {"allowed_domains": ["*"]}, "integrations.0.network.egress.allowed_domains.0"),
    ("integrations.0.network.egress", {"allowed_domains": ["*."]}, "integrations.0.network.egress.allowed_domains.0"),
    (
        "integrations.0.network.egress",
        {"allowed_domains": ["*.com"]},
        "integrations.0.network.egress.allowed_domains.0",
    ),
    (
        "integrations.0.network.egress",
        {"allowed_domains": ["*.vendor.example"]},
        "integrations.0.network.egress.allowed_domains.0",
    ),
    (
        "integrations.0.network.egress",
        {"allowed_domains": ["*vendor.example"]},
        "integrations.0.network.egress.allowed_domains.0",
    ),
    ("integrations.0.network.dns", {"allowed_domains": ["**"]}, "integrations.0.network.dns.allowed_domains.0"),
    ("integrations.0.network.cidr", "8.8.8.8/16", "integrations.0.network.cidr"),
    ("integrations.0.network.cidr", "10.20.1.0/22", "integrations.0.network.cidr"),
    ("integrations.0.buffers", [{"name": ".fifo"}], "integrations.0.buffers.0.name"),
    ("integrations.0.buffers", [{"name": "inbound.fifo"}], "integrations.0.buffers.0.name"),
    ("integrations.0.buffers", [{"name": "-x.fifo"}], "integrations.0.buffers.0.name"),
]


def _path(dotted: str) -> str:
    return re.sub(r"\.(\d+)", r"[\1]", dotted)


@pytest.mark.parametrize(("field", "value", "where"), FIXABLE, ids=[f"{f}={v}" for f, v, _ in FIXABLE])
def test_a_suggested_value_is_itself_valid(field, value, where):
    data = spec_data(**{field: value})
    if ".egress" in field:
        set_path(data, "integrations.0.guardrails", {"filtered_egress": True})
    messages = at(issues_of(data), _path(where))
    assert messages, issues_of(data)
    for message in messages:
        for suggestion in SUGGESTION.findall(message):
            set_path(data, where, suggestion)
            assert _path(where) not in [path for path, _ in _issues_or_none(data)], (message, suggestion)


def _issues_or_none(data) -> list[tuple[str, str]]:
    try:
        validate(data)
    except SpecError as exc:
        return [(issue.path, issue.message) for issue in exc.issues]
    return []


def test_a_lone_star_domain_is_not_told_to_write_a_dot():
    data = spec_data(**{"integrations.0.network.egress": {"allowed_domains": ["*"]}})
    (message,) = at(issues_of(data), "integrations[0].network.egress.allowed_domains[0]")
    assert "write '.'" not in message
    assert "every domain" in message


# --- every problem at once ---------------------------------------------------------------


def test_a_bad_organization_field_causes_no_false_follow_on_errors():
    data = spec_data(
        **{
            "organization.organization_id": "o-a1b2c3d4e5",
            "organization.tags": {"team": 1},  # not a string: a structural error in the organization block
            "integrations.0.network.service_endpoints": ["sqs"],
        }
    )
    issues = issues_of(data)
    assert [path for path, _ in issues] == ["organization.tags.team"], issues


def test_checks_against_the_organization_run_when_one_of_its_fields_is_bad():
    data = spec_data(
        **{
            "organization.parent_id": "root",  # bad
            "integrations.0.regions": ["us-east-1"],  # not in allowed_regions
            "integrations.0.network.az_ids": ["use1-az1", "use1-az2"],
        }
    )
    paths = {path for path, _ in issues_of(data)}
    assert {"organization.parent_id", "integrations[0].regions[0]"} <= paths


def test_structural_and_cross_field_errors_of_one_integration_come_together():
    data = spec_data(
        **{
            "integrations.0.owner": "   ",  # structural (field validator)
            "integrations.0.buffers": [{"name": "inbound"}, {"name": "inbound"}],  # cross-field
        }
    )
    paths = {path for path, _ in issues_of(data)}
    assert {"integrations[0].owner", "integrations[0].buffers[1].name"} <= paths


def test_a_buffer_with_a_bad_field_still_gets_its_retention_checked():
    data = spec_data(
        **{"integrations.0.buffers": [{"name": "inbound", "max_receive_count": 0, "retention_seconds": 1209600}]}
    )
    paths = {path for path, _ in issues_of(data)}
    assert {
        "integrations[0].buffers[0].max_receive_count",
        "integrations[0].buffers[0].dlq_retention_seconds",
    } <= paths


def test_home_region_outside_allowed_regions_is_reported_at_the_field_with_other_errors():
    data = spec_data(**{"organization.home_region": "eu-west-3", "organization.parent_id": "root"})
    issues = issues_of(data)
    (message,) = at(issues, "organization.home_region")
    assert "'eu-west-3' is not in allowed_regions" in message
    assert at(issues, "organization.parent_id")
    assert not at(issues, "organization")


def test_an_integration_that_is_not_a_mapping_does_not_shift_the_others():
    data = spec_data()
    data["integrations"].insert(0, "crm")
    data["integrations"][2]["name"] = "crm"  # payroll renamed: a duplicate of integrations[1]
    paths = {path for path, _ in issues_of(data)}
    assert {"integrations[0]", "integrations[2].name"} <= paths


# --- errors that would otherwise appear at deploy time -----------------------------------


def test_a_fifo_buffer_cannot_be_a_drop_zone_notification_target():
    data = spec_data(
        **{
            "integrations.0.buffers": [{"name": "files", "fifo": True}],
            "integrations.0.drop_zone": {"prefixes": ["drop/crm/"], "notify_buffer": "files"},
        }
    )
    (message,) = at(issues_of(data), "integrations[0].drop_zone.notify_buffer")
    assert "FIFO" in message and "S3" in message


def test_retention_not_longer_than_the_visibility_timeout_is_refused():
    data = spec_data(**{"integrations.0.buffers": [{"name": "inbound", "retention_seconds": 120}]})
    (message,) = at(issues_of(data), "integrations[0].buffers[0].retention_seconds")
    assert "visibility timeout 180" in message and "never reach" in message
    fixed = int(re.search(r"at least (\d+)", message).group(1))
    validate(spec_data(**{"integrations.0.buffers": [{"name": "inbound", "retention_seconds": fixed}]}))


@pytest.mark.parametrize(
    ("target", "what"),
    [
        ("10.20.0.0", "network address"),
        ("10.20.0.1", "reserved by AWS"),
        ("10.20.0.2", "reserved by AWS"),
        ("10.20.0.3", "reserved by AWS"),
        ("10.20.1.255", "broadcast address"),
        ("10.20.2.0", "network address"),
        ("10.20.3.255", "broadcast address"),
    ],
)
def test_an_nlb_target_on_a_reserved_subnet_address_is_refused(target, what):
    network = {
        "cidr": "10.20.0.0/22",
        "az_ids": ["euc1-az1", "euc1-az2"],
        "exposed_apis": [{"name": "status", "ports": [443], "targets": ["10.20.0.10", target]}],
    }
    issues = issues_of(spec_data(**{"integrations.0.network": network}))
    (message,) = at(issues, "integrations[0].network.exposed_apis[0].targets[1]")
    assert what in message and f"'{target}'" in message
    assert not at(issues, "integrations[0].network.exposed_apis[0].targets[0]")


@pytest.mark.parametrize("field", ["egress", "dns"])
def test_an_ip_address_in_a_domain_allow_list_is_refused(field):
    data = spec_data(
        **{f"integrations.0.network.{field}": {"allowed_domains": ["api.vendor.example", "93.184.216.34"]}}
    )
    (message,) = at(issues_of(data), f"integrations[0].network.{field}.allowed_domains[1]")
    assert "'93.184.216.34' is an IP address" in message


@pytest.mark.parametrize(("cidr", "count"), [("10.20.0.0/22", 2), ("10.20.0.0/22", 3), ("10.40.0.0/24", 4)])
@pytest.mark.parametrize("egress", [False, True])
def test_the_spec_knows_the_subnets_the_network_builder_lays_out(cidr, count, egress):
    from airlock.constructs.egress import egress_layout
    from airlock.constructs.network import split_cidr
    from airlock.spec.network import subnet_layout

    workload, edge = subnet_layout(cidr, count, egress=egress)
    if egress:
        built = egress_layout(cidr, count)
        assert (workload, edge) == (
            list(built.workload),
            [s for pair in zip(built.firewall, built.public, strict=True) for s in pair],
        )
    else:
        assert (workload, edge) == (split_cidr(cidr, count), [])
