"""More AWS service endpoints (Kinesis, Firehose, ECR, S3 interface) and vendor-owned resource
accounts: the spec's checks, the construct's endpoints, policies and DNS names."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template

from airlock.access.endpoint_services import ENDPOINT_SERVICES
from airlock.cli import main
from airlock.constructs import ServiceEndpoints
from airlock.constructs._aws_services import AWS_SERVICES, aws_service
from airlock.spec import SpecError, validate
from airlock.spec.network import ServiceEndpointName
from tests.specs import dump, spec_data
from tests.unit.network_helpers import own_vpc

ORG = "o-a1b2c3d4e5"
VENDOR = "709825985650"


def issues_of(data) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate(data)
    return [(issue.path, issue.message) for issue in caught.value.issues]


def network(**fields):
    return {"cidr": "10.20.0.0/22", "az_ids": ["euc1-az1", "euc1-az2"], **fields}


def vendor_entry(**fields):
    return {"account_id": VENDOR, "services": ["ecr.api"], "reason": "the vendor's agent image lives there", **fields}


# -- spec ---------------------------------------------------------------------------------


def test_the_new_services_and_a_vendor_account_validate():
    spec = validate(
        spec_data(
            **{
                "integrations.0.network": network(
                    service_endpoints=[
                        "ecr.api",
                        "ecr.dkr",
                        "s3",
                        "s3-interface",
                        "kinesis-streams",
                        "kinesis-firehose",
                    ],
                    vendor_resources=[vendor_entry(services=["ecr.api", "ecr.dkr", "kinesis-streams"])],
                )
            }
        )
    )
    (entry,) = spec.integrations[0].network.vendor_resources
    assert entry.account_id == VENDOR and entry.services == ["ecr.api", "ecr.dkr", "kinesis-streams"]


@pytest.mark.parametrize(
    ("fields", "path", "fragments"),
    [
        pytest.param(
            {"service_endpoints": ["ecr.api", "ecr.dkr"]},
            "integrations[0].network.service_endpoints",
            ["'ecr.dkr' needs 's3' as well", "image layers", "['ecr.api', 'ecr.dkr', 's3']"],
            id="ecr-without-the-s3-gateway",
        ),
        pytest.param(
            {"service_endpoints": ["ecr.dkr", "s3"]},
            "integrations[0].network.service_endpoints",
            ["'ecr.dkr' needs 'ecr.api' as well", "GetAuthorizationToken"],
            id="ecr-without-its-api",
        ),
        pytest.param(
            {"service_endpoints": ["s3"], "vendor_resources": [vendor_entry(services=["kinesis-streams"])]},
            "integrations[0].network.vendor_resources[0].services[0]",
            ["'kinesis-streams' is not one of network.service_endpoints ['s3']", "add 'kinesis-streams'"],
            id="vendor-service-not-an-endpoint",
        ),
        pytest.param(
            {"service_endpoints": ["monitoring"], "vendor_resources": [vendor_entry(services=["monitoring"])]},
            "integrations[0].network.vendor_resources[0].services[0]",
            ["'monitoring' requests name no resource"],
            id="vendor-monitoring",
        ),
        pytest.param(
            {
                "service_endpoints": ["s3"],
                "vendor_resources": [vendor_entry(services=["s3"]), vendor_entry(services=["s3"])],
            },
            "integrations[0].network.vendor_resources[1].account_id",
            ["already vendor_resources[0]", "list each account once"],
            id="vendor-account-twice",
        ),
        pytest.param(
            {
                "service_endpoints": ["s3"],
                "vendor_resources": [vendor_entry(account_id="100000000001", services=["s3"])],
            },
            "integrations[0].network.vendor_resources[0].account_id",
            ["'100000000001' is the organization's management account", "remove the entry"],
            id="vendor-account-is-the-management-account",
        ),
        pytest.param(
            {
                "service_endpoints": ["s3"],
                "vendor_resources": [vendor_entry(account_id="220000000002", services=["s3"])],
            },
            "integrations[0].network.vendor_resources[0].account_id",
            ["'220000000002' is the intermediate account of integrations[1] (payroll)"],
            id="vendor-account-is-another-intermediate-account",
        ),
        pytest.param(
            {"service_endpoints": ["s3"], "vendor_resources": [vendor_entry(reason="because", services=["s3"])]},
            "integrations[0].network.vendor_resources[0].reason",
            ["at least 20 characters"],
            id="vendor-reason-too-short",
        ),
        pytest.param(
            {"service_endpoints": ["s3"], "vendor_resources": [vendor_entry(services=["s3"], service=["s3"])]},
            "integrations[0].network.vendor_resources[0].service",
            ["unknown key 'service'; did you mean 'services'?"],
            id="vendor-typo",
        ),
        pytest.param(
            {"service_endpoints": ["kinesis"]},
            "integrations[0].network.service_endpoints[0]",
            ["'kinesis-streams'"],
            id="service-name-typo",
        ),
    ],
)
def test_bad_service_endpoint_input_names_path_value_and_fix(fields, path, fragments):
    data = spec_data(
        **{"integrations.0.network": network(**fields), "integrations.1.account": {"adopt": "220000000002"}}
    )
    issues = issues_of(data)
    messages = [message for issue_path, message in issues if issue_path == path]
    assert messages, issues
    for fragment in fragments:
        assert any(fragment in message for message in messages), messages


def test_a_core_vendor_account_is_refused(tmp_path, capsys):
    data = spec_data(
        **{
            "organization.access": {"core_account_ids": ["300000000001"]},
            "integrations.0.network": network(
                service_endpoints=["s3"], vendor_resources=[vendor_entry(account_id="300000000001", services=["s3"])]
            ),
        }
    )
    spec = tmp_path / "spec.yaml"
    spec.write_text(dump(data))
    out = tmp_path / "out"
    assert main(["synth", str(spec), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    (line,) = [
        line for line in err.splitlines() if ": integrations[0].network.vendor_resources[0].account_id: " in line
    ]
    assert "'300000000001' is a core account (organization.access.core_account_ids[0])" in line
    assert "Traceback" not in err and not out.exists()


# -- construct ----------------------------------------------------------------------------

SERVICES = ["ecr.api", "ecr.dkr", "s3", "s3-interface", "kinesis-streams", "kinesis-firehose", "sqs"]


@pytest.fixture(scope="module")
def built():
    import aws_cdk as cdk

    app = cdk.App(analytics_reporting=False)
    stack = cdk.Stack(app, "Bare", env=cdk.Environment(account="123456789012", region="eu-central-1"))
    endpoints = ServiceEndpoints(
        stack,
        "Endpoints",
        vpc=own_vpc(stack),
        services=SERVICES,
        principal_org_id=ORG,
        vendor_resource_accounts={"ecr.dkr": [VENDOR], "ecr.api": [VENDOR], "kinesis-streams": ["444455556666"]},
    )
    template = Template.from_stack(stack)
    resources = template.to_json()["Resources"]
    by_id = {s: resources[stack.get_logical_id(e)]["Properties"] for s, e in endpoints.endpoints.items()}
    return endpoints, template, by_id


def test_each_new_service_is_its_endpoint_service_and_type(built):
    _, _, by_id = built
    assert {s: (p["ServiceName"], p["VpcEndpointType"]) for s, p in by_id.items()} == {
        "ecr.api": ("com.amazonaws.eu-central-1.ecr.api", "Interface"),
        "ecr.dkr": ("com.amazonaws.eu-central-1.ecr.dkr", "Interface"),
        "s3": ("com.amazonaws.eu-central-1.s3", "Gateway"),
        "s3-interface": ("com.amazonaws.eu-central-1.s3", "Interface"),
        "kinesis-streams": ("com.amazonaws.eu-central-1.kinesis-streams", "Interface"),
        "kinesis-firehose": ("com.amazonaws.eu-central-1.kinesis-firehose", "Interface"),
        "sqs": ("com.amazonaws.eu-central-1.sqs", "Interface"),
    }


def test_the_s3_interface_endpoint_answers_the_vpcs_own_queries(built):
    _, _, by_id = built
    assert by_id["s3-interface"]["PrivateDnsEnabled"] is True
    assert by_id["s3-interface"]["DnsOptions"] == {"PrivateDnsOnlyForInboundResolverEndpoint": "AllResolvers"}
    assert "DnsOptions" not in by_id["kinesis-streams"]


def _statements(properties):
    return {s["Sid"]: s for s in properties["PolicyDocument"]["Statement"]}


def test_every_policy_keeps_the_organisation_fence_to_the_own_account(built):
    _, _, by_id = built
    for properties in by_id.values():
        own = _statements(properties)["OrganizationPrincipalsToOwnResourcesOnly"]
        assert own["Condition"] == {
            "StringEquals": {"aws:PrincipalOrgID": ORG, "aws:ResourceAccount": ["123456789012"]}
        }


def test_a_vendor_account_is_admitted_only_on_its_services_and_still_only_for_the_organisation(built):
    _, _, by_id = built
    admitted = {
        service: _statements(p)["OrganizationPrincipalsToDeclaredVendorResources"]["Condition"]["StringEquals"]
        for service, p in by_id.items()
        if "OrganizationPrincipalsToDeclaredVendorResources" in _statements(p)
    }
    assert admitted == {
        "ecr.api": {"aws:PrincipalOrgID": ORG, "aws:ResourceAccount": [VENDOR]},
        "ecr.dkr": {"aws:PrincipalOrgID": ORG, "aws:ResourceAccount": [VENDOR]},
        "kinesis-streams": {"aws:PrincipalOrgID": ORG, "aws:ResourceAccount": ["444455556666"]},
    }


def test_only_the_s3_endpoints_read_ecrs_layer_bucket_and_only_getobject(built):
    _, template, by_id = built
    vpcs = set(template.find_resources("AWS::EC2::VPC"))
    layers = {service: _statements(p).get("ReadAwsOwnedObjects") for service, p in by_id.items()}
    for service in ("s3", "s3-interface"):
        statement = layers.pop(service)
        assert statement["Action"] == "s3:GetObject"
        assert statement["Resource"] == "arn:aws:s3:::prod-eu-central-1-starport-layer-bucket/*"
        # the download is presigned by ECR's own identity: pinned to the VPC, not to the organisation
        (key,) = statement["Condition"]["StringEquals"]
        assert key == "aws:SourceVpc" and statement["Condition"]["StringEquals"][key]["Ref"] in vpcs
    assert set(layers.values()) == {None}


def test_without_ecr_no_endpoint_reads_the_layer_bucket(bare_stack):
    stack = bare_stack()
    endpoints = ServiceEndpoints(stack, "Endpoints", vpc=own_vpc(stack), services=["s3"], principal_org_id=ORG)
    (statement,) = Template.from_stack(stack).to_json()["Resources"][stack.get_logical_id(endpoints.endpoints["s3"])][
        "Properties"
    ]["PolicyDocument"]["Statement"]
    assert statement["Sid"] == "OrganizationPrincipalsToOwnResourcesOnly"


def test_dns_names_cover_each_service_and_each_admitted_registry(built):
    endpoints, _, _ = built
    names = endpoints.dns_names()
    for expected in (
        "api.ecr.eu-central-1.amazonaws.com",
        "123456789012.dkr.ecr.eu-central-1.amazonaws.com",
        f"{VENDOR}.dkr.ecr.eu-central-1.amazonaws.com",
        "kinesis.eu-central-1.amazonaws.com",
        "444455556666.data-kinesis.eu-central-1.amazonaws.com",
        "123456789012.control-kinesis.eu-central-1.amazonaws.com",
        "firehose.eu-central-1.amazonaws.com",
        ".s3.eu-central-1.amazonaws.com",
    ):
        assert expected in names
    # a registry that is not admitted does not resolve
    assert "444455556666.dkr.ecr.eu-central-1.amazonaws.com" not in names
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"services": ["ecr.dkr", "s3"]}, "'ecr.dkr' without 'ecr.api'"),
        ({"services": ["ecr.dkr", "ecr.api"]}, "'ecr.dkr' without 's3'"),
        ({"vendor_resource_accounts": {"s3": [VENDOR]}}, "names 's3', which is not one of services"),
        ({"vendor_resource_accounts": {"sqs": ["*"]}}, "contains '\\*'; give 12-digit ids"),
        ({"vendor_resource_accounts": {"sqs": ["123456789012"]}}, "already one of resource_accounts"),
    ],
)
def test_impossible_props_raise(bare_stack, props, message):
    stack = bare_stack()
    base = {"services": ["sqs"], "principal_org_id": ORG}
    with pytest.raises(ValueError, match=message):
        ServiceEndpoints(stack, "Endpoints", vpc=own_vpc(stack), **{**base, **props})


# -- the two catalogues -------------------------------------------------------------------


def test_the_proof_and_the_construct_know_the_same_endpoints():
    """The proof's view of each spec service (airlock.access) equals what the construct builds."""
    services = set(ServiceEndpointName.__args__)
    assert services == set(ENDPOINT_SERVICES)
    for service in services:
        built, proved = aws_service(service), ENDPOINT_SERVICES[service]
        assert built.endpoint_service == proved.endpoint_service, service
        assert ("Gateway" if built.gateway else "Interface") == proved.kind, service
        assert proved.name in built.names, service
    assert set(AWS_SERVICES) - services == {"dynamodb"}


# -- register -----------------------------------------------------------------------------


def test_the_register_shows_each_vendor_account_with_its_services_and_reason():
    from datetime import date

    from airlock.register import build_register
    from airlock.register.markdown import integration_page

    spec = validate(
        spec_data(
            **{
                "integrations.0.network": network(
                    service_endpoints=["ecr.api", "ecr.dkr", "s3"],
                    vendor_resources=[vendor_entry(services=["ecr.api", "ecr.dkr"])],
                )
            }
        )
    )
    register = build_register(spec, today=date(2026, 9, 1))
    crm, payroll = register.integrations
    (entry,) = crm.vendor_resources
    assert (entry.account_id, entry.services, entry.reason) == (
        VENDOR,
        ["ecr.api", "ecr.dkr"],
        "the vendor's agent image lives there",
    )
    assert payroll.vendor_resources == []
    text = integration_page(crm)
    assert f"| {VENDOR} | ecr.api, ecr.dkr | the vendor's agent image lives there |" in text


# -- the proof ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def endpoint_proof(tmp_path_factory):
    """A spec with every new endpoint and a vendor stream account, synthesized and proven."""
    from airlock.access.proof import prove
    from airlock.synth import synth_app

    spec = validate(
        spec_data(
            **{
                "integrations.0.network": network(
                    service_endpoints=["s3", "s3-interface", "kinesis-streams", "kinesis-firehose", "events"],
                    vendor_resources=[
                        vendor_entry(account_id="444455556666", services=["kinesis-streams", "s3", "s3-interface"])
                    ],
                ),
                "integrations.1.account": {"adopt": "220000000002"},
            }
        )
    )
    outdir = tmp_path_factory.mktemp("endpoints") / "cdk.out"
    _, passed = synth_app(spec, outdir)
    assert passed
    return prove(outdir, spec, names=["crm"])


def test_the_proof_follows_every_new_endpoint(endpoint_proof):
    flows = {flow.name: flow for flow in endpoint_proof.flows}
    for service in ("s3", "s3-interface", "kinesis-streams", "kinesis-firehose", "events"):
        flow = flows[f"service endpoint {service} (eu-central-1)"]
        assert flow.passed, (service, flow.broken())
    kinesis = flows["service endpoint kinesis-streams (eu-central-1)"]
    assert kinesis.steps[0].detail["query"] == "210000000001.data-kinesis.eu-central-1.amazonaws.com"
    assert [s.kind for s in flows["service endpoint s3 (eu-central-1)"].steps] == ["dns", "iam"]  # a gateway
    assert "network" in {s.kind for s in flows["service endpoint s3-interface (eu-central-1)"].steps}


def test_the_proof_reaches_the_vendor_stream_and_bucket_and_nothing_else(endpoint_proof):
    flows = {flow.name: flow for flow in endpoint_proof.flows}
    for service in ("kinesis-streams", "s3", "s3-interface"):
        flow = flows[f"vendor resources of 444455556666 through the {service} endpoint (eu-central-1)"]
        assert flow.passed, flow.broken()
    stream = flows["vendor resources of 444455556666 through the kinesis-streams endpoint (eu-central-1)"]
    assert stream.steps[0].detail["query"] == "444455556666.data-kinesis.eu-central-1.amazonaws.com"
    probes = {p.name: p for p in endpoint_proof.probes}
    for name in (
        "reach a resource of outside account 999999999999 through the kinesis-streams endpoint",
        "reach a resource of outside account 999999999999 through the s3-interface endpoint",
        "reach vendor account 444455556666 through the events endpoint it is not admitted to",
        "reach vendor account 444455556666 through the kinesis-firehose endpoint it is not admitted to",
    ):
        assert probes[name].passed, name
    bucket = flows["vendor resources of 444455556666 through the s3 endpoint (eu-central-1)"].steps[-1]
    assert bucket.detail["resource"] == "arn:aws:s3:::airlock-proof-444455556666/airlock-proof.csv"
    assert bucket.detail["context"]["aws:resourceaccount"] == ["444455556666"]
    assert endpoint_proof.failures() == []
