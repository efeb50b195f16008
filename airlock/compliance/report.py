"""Read the validation report that CDK writes into the cloud assembly.

Every violation becomes a :class:`Finding`: acknowledged when an acknowledgement covered
it, with the reason, owner and ticket; otherwise blocking. Every unacknowledged violation
of a pack blocks, whatever the plugin's conclusion says: once one of a plugin's findings is
acknowledged, the CDK recomputes its conclusion from the severities of the rest, and a
violation without a severity (Control Tower's) or of severity ``warning`` (a cdk-nag
warning rule) then passes. Only the CDK's own checks (:data:`BUILT_IN_PLUGINS`: its
CloudFormation schema validation, which only warns, and construct annotations) block as
their conclusion says; their other violations are warnings. A plugin that crashed is a
blocking finding too: a check that did not run never passes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airlock.compliance.acknowledge import ACKNOWLEDGEMENT_METADATA
from airlock.compliance.by_rule import namespace_of

REPORT_FILE = "validation-report.json"
PLUGIN_ERROR = "plugin-error"
#: The CDK's own validation plugins: not packs, they block only when their conclusion fails.
BUILT_IN_PLUGINS = frozenset({"CloudFormation Validate", "Construct Annotations"})
#: The older report format, still written beside the new one; read when the new one is absent.
LEGACY_REPORT_FILE = "policy-validation-report.json"


@dataclass(frozen=True)
class Finding:
    pack: str
    rule: str
    description: str
    path: str
    severity: str
    reason: str | None = None  # set for acknowledged findings
    template: str | None = None  # template file, relative to the assembly
    logical_id: str | None = None
    fix: str | None = None
    #: The id to pass to ``acknowledge`` (or the id the acknowledgement used).
    acknowledgement_id: str | None = None
    acknowledged_at: str | None = None
    owner: str | None = None
    ticket: str | None = None
    blocking: bool = True
    #: Line of the resource in its template, when known.
    line: int | None = None
    #: The spec field that produced the resource (``integrations[0].buffers[0]``), when known.
    origin: str | None = None
    #: Line of that field in the spec file, when known.
    origin_line: int | None = None
    #: What the resource is for, in words (``buffer crm-events: dead letter queue``), when known.
    purpose: str | None = None

    @property
    def stack(self) -> str:
        return self.path.split("/", 1)[0] if self.path else ""

    @property
    def acknowledged(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class ComplianceResult:
    findings: tuple[Finding, ...] = ()
    acknowledged: tuple[Finding, ...] = ()
    packs: tuple[str, ...] = field(default_factory=tuple)
    warnings: tuple[Finding, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.findings


def assembly_metadata(outdir: str | Path, type_: str) -> Iterator[tuple[str, Any]]:
    """(construct path, data) of every metadata entry of ``type_`` in a cloud assembly.

    Stack metadata sits in the manifest or, with current CDK versions, in a
    ``<stack>.metadata.json`` file the manifest names.
    """
    outdir = Path(outdir)
    manifest = _json_file(outdir / "manifest.json")
    if manifest is None:
        return
    for artifact in manifest.get("artifacts", {}).values():
        blocks = [artifact.get("metadata") or {}]
        extra = artifact.get("additionalMetadataFile")
        if extra and (block := _json_file(outdir / extra)) is not None:
            blocks.append(block)
        for block in blocks:
            for path, entries in block.items():
                for entry in entries:
                    if entry.get("type") == type_:
                        yield path.lstrip("/"), entry.get("data")


def _json_file(path: Path) -> Any:
    """The parsed JSON file at ``path`` (None when it does not exist). A check reads the same
    metadata files for several kinds of entries; each is parsed once while it is unchanged
    (same size and modification time). Callers must not change what it returns."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _parsed_json(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=2048)
def _parsed_json(path: str, _mtime_ns: int, _size: int) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _acknowledgement_owners(outdir: Path) -> dict[tuple[str, str], dict[str, str]]:
    """(construct path, acknowledgement id) -> owner and ticket, from the assembly's metadata."""
    return {
        (path, data.get("id", "")): data
        for path, data in assembly_metadata(outdir, ACKNOWLEDGEMENT_METADATA)
        if isinstance(data, dict)
    }


def _findings(plugin: dict[str, Any], key: str, owners: dict[tuple[str, str], dict[str, str]]) -> list[Finding]:
    name = plugin.get("pluginName", "")
    failed = plugin.get("conclusion") == "failure"
    # An acknowledged finding keeps what its plugin concluded (its SARIF level follows it).
    blocking = failed or (key == "violations" and name not in BUILT_IN_PLUGINS)
    out = []
    for violation in plugin.get(key) or []:
        rule = violation.get("ruleName", "")
        ack_id = violation.get("acknowledgedId") or f"{namespace_of(name)}::{rule}"
        ack_at = violation.get("acknowledgedAt")
        who = owners.get((ack_at or "", ack_id), {}) if ack_at is not None else {}
        by_rule = ack_id.split("[", 1)[0]
        if ack_at is not None and not who and (ack_at, by_rule) in owners:
            # acknowledged by the rule's id, which covers this evidence-specific finding (compliance.by_rule)
            ack_id, who = by_rule, owners[(ack_at, by_rule)]
        for construct in violation.get("violatingConstructs", []):
            resource = construct.get("cloudFormationResource") or {}
            if not construct.get("constructPath") and not resource:
                continue  # an empty entry some plugins emit next to the real ones
            out.append(
                Finding(
                    pack=name,
                    rule=rule,
                    description=violation.get("description", ""),
                    path=construct.get("constructPath", ""),
                    severity=violation.get("severity", "error"),
                    reason=violation.get("reason") if key == "suppressedViolations" else None,
                    template=resource.get("templatePath"),
                    logical_id=resource.get("logicalId"),
                    fix=violation.get("suggestedFix"),
                    acknowledgement_id=ack_id,
                    acknowledged_at=ack_at,
                    owner=who.get("owner"),
                    ticket=who.get("ticket"),
                    blocking=blocking,
                )
            )
    return out


def read_report(outdir: str | Path) -> ComplianceResult:
    """Findings and acknowledgements from ``outdir``'s validation report (empty if none was written)."""
    outdir = Path(outdir)
    path = outdir / REPORT_FILE
    if not path.exists():
        path = outdir / LEGACY_REPORT_FILE
        if not path.exists():
            return ComplianceResult()
    report = json.loads(path.read_text(encoding="utf-8"))
    owners = _acknowledgement_owners(outdir)
    violations: list[Finding] = []
    acknowledged: list[Finding] = []
    for plugin in report.get("pluginReports", []):
        summary = plugin.get("summary") or {}  # the legacy report nests name, status and metadata here
        name = plugin.get("pluginName") or summary.get("pluginName", "")
        status = plugin.get("conclusion") or summary.get("status")
        plugin = {**plugin, "pluginName": name, "conclusion": status}
        violations.extend(_findings(plugin, "violations", owners))
        acknowledged.extend(_findings(plugin, "suppressedViolations", owners))
        error = (plugin.get("metadata") or summary.get("metadata") or {}).get("error")
        if status == "failure" and (error or not plugin.get("violations")):
            violations.append(
                Finding(
                    pack=name,
                    rule=PLUGIN_ERROR,
                    description=str(error or "the plugin reported a failure without violations"),
                    path="",
                    severity="error",
                    blocking=True,
                )
            )
    key = lambda f: (f.pack, f.rule, f.path)  # noqa: E731
    packs = tuple(
        sorted(
            {
                p.get("pluginName") or (p.get("summary") or {}).get("pluginName", "")
                for p in report.get("pluginReports", [])
            }
        )
    )
    return ComplianceResult(
        findings=tuple(sorted((f for f in violations if f.blocking), key=key)),
        acknowledged=tuple(sorted(acknowledged, key=key)),
        packs=packs,
        warnings=tuple(sorted((f for f in violations if not f.blocking), key=key)),
    )
