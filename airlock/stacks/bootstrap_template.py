"""The CDK bootstrap template, read from the pinned CDK CLI package at synth time.

The template is never copied into this repository: it comes from ``node_modules/aws-cdk``
(installed by ``npm ci`` from package-lock.json), the same file ``cdk bootstrap
--show-template`` prints, so the StackSet always rolls out the template of the CLI that
deploys. It is converted to minified JSON to stay within the StackSet TemplateBody limit.
No network, no credentials.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

#: Where the CDK CLI package keeps its bootstrap template.
TEMPLATE_IN_PACKAGE = Path("lib", "api", "bootstrap", "bootstrap-template.yaml")
#: Set to the folder of an aws-cdk package to use another one than node_modules/aws-cdk.
PACKAGE_ENV = "AIRLOCK_CDK_CLI_PACKAGE"


class BootstrapTemplateNotFound(LookupError):
    """The pinned CDK CLI package is not installed where airlock looks for it."""


@dataclass(frozen=True)
class BootstrapTemplate:
    body: str
    cli_version: str
    bootstrap_version: str
    source: Path


def _candidates() -> list[Path]:
    override = os.environ.get(PACKAGE_ENV)
    if override:
        return [Path(override)]
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    found = []
    for start in starts:
        for folder in (start, *start.parents):
            found.append(folder / "node_modules" / "aws-cdk")
    return list(dict.fromkeys(found))


@functools.cache
def _load(package: Path) -> BootstrapTemplate:
    source = package / TEMPLATE_IN_PACKAGE
    template = yaml.safe_load(source.read_text(encoding="utf-8"))
    version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    bootstrap_version = str(
        template.get("Resources", {}).get("CdkBootstrapVersion", {}).get("Properties", {}).get("Value")
    )
    body = json.dumps(template, separators=(",", ":"), ensure_ascii=False, default=str)
    return BootstrapTemplate(body=body, cli_version=version, bootstrap_version=bootstrap_version, source=source)


def cdk_bootstrap_template() -> BootstrapTemplate:
    """The bootstrap template of the pinned CDK CLI, as minified JSON."""
    for package in _candidates():
        if (package / TEMPLATE_IN_PACKAGE).is_file() and (package / "package.json").is_file():
            return _load(package.resolve())
    raise BootstrapTemplateNotFound(
        "the CDK bootstrap template comes from the pinned CDK CLI package (node_modules/aws-cdk), which is not "
        f"installed here; run `npm ci` (or `make setup`) in the project folder, set {PACKAGE_ENV} to an aws-cdk "
        "package folder, or set organization.bootstrap.enabled: false"
    )
