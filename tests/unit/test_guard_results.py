"""The port of cdk-validator-cfnguard's result parsing gives what the package's own JavaScript gives."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from airlock.compliance.control_tower import _package_archive, _run_guard, guard, plan
from airlock.compliance.guard_results import violations_of

ROOT = Path(__file__).resolve().parents[2]
NODE = Path(sys.executable).parent / "node"
HARNESS = ROOT / "tests" / "js" / "cfnguard-results.cjs"

#: A template breaking rules of many services, some through references (queue -> key).
INSECURE = {
    "Resources": {
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Statement": []}}},
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"KmsMasterKeyId": {"Ref": "Key"}}},
        "Plain": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}},
        "Open": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "open",
                "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}],
            },
        },
        "Database": {"Type": "AWS::RDS::DBInstance", "Properties": {"PubliclyAccessible": True}},
        "Admin": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {"Statement": []},
                "Policies": [
                    {
                        "PolicyName": "all",
                        "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                    }
                ],
            },
        },
    }
}

#: Shapes real runs rarely produce: an empty result, not_compliant as an object, a check on the
#: whole document (no logical id), checks without messages, nested checks, unresolved values.
EDGE_CASES: list[Any] = [
    [],
    [{"name": "t.json", "status": "PASS", "not_compliant": {}, "compliant": []}],
    [
        {
            "name": "t.json",
            "not_compliant": [
                {
                    "Rule": {
                        "name": "whole_document",
                        "messages": {"custom_message": None, "error_message": "no resources"},
                        "checks": [
                            {
                                "Clause": {
                                    "Unary": {
                                        "check": {"UnResolved": {"value": {"traversed_to": {"path": "", "value": {}}}}}
                                    }
                                }
                            }
                        ],
                    }
                }
            ],
        }
    ],
    [
        {
            "name": "t.json",
            "not_compliant": [
                {
                    "Rule": {
                        "name": "nested",
                        "messages": {"custom_message": "\n[CT.X.PR.1]: describe\n[FIX]: fix it\n"},
                        "checks": [
                            {
                                "Rule": {
                                    "name": "inner",
                                    "messages": {"custom_message": None, "error_message": None},
                                    "checks": [
                                        {
                                            "Clause": {
                                                "Binary": {
                                                    "messages": {"custom_message": "", "error_message": "bad"},
                                                    "check": {
                                                        "InResolved": {
                                                            "from": {"path": "/Resources/A/Properties/P", "value": 1},
                                                            "to": {"path": "", "value": 2},
                                                        }
                                                    },
                                                }
                                            }
                                        },
                                        {
                                            "Clause": {
                                                "Unary": {
                                                    "check": {
                                                        "UnResolved": {
                                                            "value": {
                                                                "traversed_to": {
                                                                    "path": "/Resources/B/Properties",
                                                                    "value": {},
                                                                    "from": {"path": "/Resources/B"},
                                                                },
                                                                "remaining_query": "P",
                                                            },
                                                            "reason": "missing",
                                                        }
                                                    }
                                                }
                                            }
                                        },
                                    ],
                                }
                            }
                        ],
                    }
                }
            ],
        }
    ],
    [{"name": "t.json", "not_compliant": [{"Rule": {"name": "broken", "checks": [{"Clause": {}}]}}]}],
    {},
]


@pytest.fixture(scope="module")
def plugin_lib(tmp_path_factory) -> Path:
    """The package's own lib/ and package.json, unpacked from its jsii archive."""
    folder = tmp_path_factory.mktemp("cfnguard")
    with tarfile.open(_package_archive()) as archive:
        for member in archive:
            if member.isfile() and (member.name.startswith("package/lib/") or member.name == "package/package.json"):
                source = archive.extractfile(member)
                assert source is not None
                target = folder / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
    return folder / "package" / "lib"


def _javascript(plugin_lib: Path, outputs: list[Any]) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(NODE), str(HARNESS), str(plugin_lib)],
        input=json.dumps(outputs),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def _python(output: Any) -> dict[str, Any]:
    try:
        success, found = violations_of(output)
    except (TypeError, AttributeError, KeyError) as exc:
        return {"error": str(exc)}
    violations = []
    for v in found:
        resources = []
        for name, locations in v["resources"]:
            resource: dict[str, Any] = {"locations": locations, "templatePath": v["template_path"]}
            if name is not None:  # JavaScript's undefined: the key is left out of the JSON
                resource["resourceLogicalId"] = name
            resources.append(resource)
        violations.append(
            {
                "description": v["description"],
                "fix": v["fix"],
                "ruleMetadata": {
                    "DocumentationUrl": "https://github.com/cdklabs/cdk-validator-cfnguard#bundled-control-tower-rules"
                },
                "ruleName": v["rule_name"],
                "violatingResources": resources,
            }
        )
    return {"success": success, "violations": violations}


@pytest.fixture(scope="module")
def real_outputs(tmp_path_factory, example_assembly) -> list[Any]:
    """cfn-guard's output for every run the plugin plans over the insecure and the example templates."""
    folder = tmp_path_factory.mktemp("templates")
    templates = {str(folder / "insecure.json"): INSECURE}
    for name, template in example_assembly.templates.items():
        templates[str(folder / f"{name}.json")] = template
    for path, template in templates.items():
        Path(path).write_text(json.dumps(template), encoding="utf-8")
    outputs = []
    for rules, trimmed in plan(templates, guard().rules):
        outputs.append(_run_guard(guard().binary, rules, list(trimmed)))
    return outputs


def test_real_cfn_guard_output_is_read_as_the_plugin_reads_it(plugin_lib, real_outputs):
    expected = _javascript(plugin_lib, real_outputs)
    ours = [_python(output) for output in real_outputs]
    assert ours == expected
    # the comparison has teeth: many rules fail, over both templates, some without a logical id
    violations = [v for result in expected for v in result["violations"]]
    assert len({v["ruleName"] for v in violations}) >= 15
    assert not all(result["success"] for result in expected)


@pytest.mark.parametrize("output", EDGE_CASES, ids=range(len(EDGE_CASES)))
def test_unusual_shapes_are_read_as_the_plugin_reads_them(plugin_lib, output):
    (expected,) = _javascript(plugin_lib, [output])
    ours = _python(output)
    if "error" in expected:  # the plugin fails on it: so must the port (the messages differ)
        assert "error" in ours, (ours, expected)
    else:
        assert ours == expected
