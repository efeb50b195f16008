"""Read a cloud assembly: every stack's template, environment, tags and deployment role.

Nested assemblies (the stages of a deployment pipeline) are read too, so a landing zone
deployed through CDK Pipelines is judged on the same templates as one deployed with
``cdk deploy``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_PARTITION_TOKEN = "${AWS::Partition}"  # noqa: S105 - a CDK token, not a secret


class AssemblyReadError(ValueError):
    """The folder is not a cloud assembly the access model can read."""


@dataclass(frozen=True)
class StackArtifact:
    """A stack of the assembly.

    :param name: the artifact id (the stack name airlock gives it).
    :param file: the template path relative to the top assembly folder.
    :param execution_role: the CloudFormation execution role that deploys it (from the manifest).
    """

    name: str
    file: str
    account: str
    region: str
    template: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    execution_role: str | None = None

    @property
    def integration(self) -> str | None:
        """The integration this stack belongs to (its ``airlock:integration`` tag)."""
        return self.tags.get("airlock:integration")


def _environment(artifact: Mapping[str, Any]) -> tuple[str, str]:
    environment = str(artifact.get("environment", "aws://unknown-account/unknown-region"))
    account, _, region = environment.removeprefix("aws://").partition("/")
    return account, region


def _artifacts(folder: Path, prefix: str) -> Iterator[StackArtifact]:
    manifest_file = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AssemblyReadError(f"cannot read {manifest_file}: {exc}") from None
    for name, artifact in sorted((manifest.get("artifacts") or {}).items()):
        kind = artifact.get("type")
        properties = artifact.get("properties") or {}
        if kind == "cdk:cloud-assembly":
            nested = properties.get("directoryName")
            if nested:
                yield from _artifacts(folder / nested, f"{prefix}{nested}/")
            continue
        if kind != "aws:cloudformation:stack":
            continue
        template_file = str(properties.get("templateFile") or "")
        try:
            template = json.loads((folder / template_file).read_text(encoding="utf-8"))
        except (OSError, TypeError, ValueError) as exc:
            raise AssemblyReadError(f"cannot read the template of stack {name}: {exc}") from None
        account, region = _environment(artifact)
        role = properties.get("cloudFormationExecutionRoleArn")
        yield StackArtifact(
            name=str(artifact.get("displayName") or name).rsplit("/", 1)[-1],
            file=f"{prefix}{template_file}",
            account=account,
            region=region,
            template=template,
            tags=dict(properties.get("tags") or {}),
            execution_role=str(role).replace(_PARTITION_TOKEN, "aws") if role else None,
        )


def read_stacks(assembly: str | Path) -> tuple[StackArtifact, ...]:
    """Every stack of the assembly at ``assembly`` (a ``cdk.out`` folder), nested ones included."""
    folder = Path(assembly)
    if not (folder / "manifest.json").exists():
        raise AssemblyReadError(f"'{folder}' is not a cloud assembly (no manifest.json); synthesize it first")
    return tuple(_artifacts(folder, ""))
