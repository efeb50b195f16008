"""Synth scaling benchmark: how synthesis time, memory and template size grow with the spec.

One run synthesizes, each in a fresh Python process so that memory is measured per run:

- an empty CDK app (the floor: starting Python, jsii and the CDK itself),
- the default example (examples/landing-zone.yaml),
- generated specs of 1, 10, 50 and 100 integrations (benchmarks/generate.py),
- the 100-integration spec a second time, to check that synthesis is deterministic,

all with every validation plugin airlock offers on; then, with the default packs and half
of the accounts created by the organization layer (the others adopted), ``airlock check``
(synthesis in units on every core, every pack, cfn-lint) of

- the default example, with no cache,
- generated specs of 10, 100, 500 and 1,000 integrations, each filling a fresh unit cache,
- the 1,000-integration spec with one integration changed, with the warm cache.

It writes
``benchmarks/results/synth_scale.json`` and ``benchmarks/results/synth_scale.md`` and exits
non-zero if a performance target is missed or the two 100-integration runs differ.

    make bench                                   # or: .venv/bin/python -m benchmarks.synth_scale
    .venv/bin/python -m benchmarks.synth_scale --sizes 1 10 --no-repeat   # a quick look

Peak memory is the largest sum of the resident set sizes of the synth process and its
children (the jsii Node.js process holds most of it), sampled every 20 ms from /proc.
Numbers taken on a shared, loaded machine are pessimistic.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
EXAMPLE = ROOT / "examples" / "landing-zone.yaml"
SIZES = (1, 10, 50, 100)
#: Sizes of the ``airlock check`` series (default packs, created and adopted accounts).
LARGE_SIZES = (10, 100, 500, 1000)

#: The issue's performance targets.
MAX_SECONDS_100 = 60.0
MAX_RSS_MB_100 = 2048.0
MAX_MARGINAL_RATIO = 1.3  # marginal cost per integration at 100 vs at 10
MAX_EXAMPLE_OVER_FLOOR = 2.5
MAX_RSS_MB_LARGE = 4096.0
MAX_LARGE_MARGINAL_RATIO = 1.3  # marginal cost per integration at 1,000 vs at 100
MAX_CHANGE_OVER_EXAMPLE = 3.0  # one-integration change at 1,000 (warm cache) vs the example's check
MAX_LIMIT_SHARE = 0.8  # of every CloudFormation limit, every stack at 1,000
MAX_PROOF_SHARE = 0.25  # the access proof adds at most 25 % to `airlock check` of 100 integrations


@dataclass
class Run:
    label: str
    integrations: int | None
    seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    stacks: int = 0
    template_bytes: int = 0
    resources_per_stack: dict[str, int] = field(default_factory=dict)
    compliance_passed: bool | None = None
    findings: int = 0
    packs: list[str] = field(default_factory=list)
    digest: str = ""
    #: Every sample when a run is repeated: (wall s, CPU s); the fields above hold the fastest.
    samples: list[tuple[float, float]] = field(default_factory=list)
    #: Check runs: the largest share of a CloudFormation limit any stack has, and the units
    #: synthesized and reused from the cache.
    max_limit_share: float = 0.0
    synthesized_units: int = 0
    reused_units: int = 0
    #: Check runs: CPU seconds of the access proof (in the check process) within ``cpu_seconds``.
    proof_cpu_seconds: float = 0.0

    @property
    def max_resources(self) -> int:
        return max(self.resources_per_stack.values(), default=0)


# --- the child: one synthesis, in its own process ------------------------------------------


def child(kind: str, source: str, outdir: str) -> None:
    """Synthesize in this process and print a JSON summary on the last line of stdout."""
    if kind == "empty":
        import aws_cdk as cdk

        cdk.App(outdir=outdir, analytics_reporting=False).synth()
        print(json.dumps({"stacks": {}, "passed": None, "findings": 0, "packs": []}))
        return
    if kind == "check":
        _check_child(source, outdir)
        return
    from airlock.compliance import PACKS
    from airlock.synth import synth

    result = synth(source, outdir, packs=tuple(PACKS))
    print(
        json.dumps(
            {
                "stacks": {s.name: [s.resources, s.template_bytes] for s in result.stacks},
                "passed": result.passed,
                "findings": len(result.compliance.findings),
                "packs": list(result.packs),
            }
        )
    )


def _check_child(source: str, outdir: str) -> None:
    """``airlock check`` of ``source`` (``spec`` or ``spec::cache folder``) into ``outdir``."""
    import airlock.compliance.check as check
    from airlock.compliance.check import CheckOptions, run_check
    from airlock.limits import LIMITS, measure
    from airlock.synth import SynthOptions

    spec, _, cache = source.partition("::")
    options = CheckOptions(synth=SynthOptions(cache=Path(cache) if cache else None))
    proof_cpu = 0.0
    prove = check.prove_assembly

    def timed_proof(*args: Any, **kwargs: Any) -> Any:
        # The proof runs in this process (no workers): its process CPU time is its whole cost.
        nonlocal proof_cpu
        start = time.process_time()
        try:
            return prove(*args, **kwargs)
        finally:
            proof_cpu += time.process_time() - start

    check.prove_assembly = timed_proof
    result = run_check(Path(spec), Path(outdir), options=options)
    share = max(
        (m.value(section) / limit for m in measure(result.assembly) for section, limit in LIMITS.items()), default=0.0
    )
    run = result.run
    print(
        json.dumps(
            {
                "stacks": {s.name: [s.resources, s.template_bytes] for s in result.stacks},
                "passed": result.passed,
                "findings": len(result.findings),
                "packs": list(result.packs),
                "max_limit_share": round(share, 3),
                "synthesized_units": len(run.synthesized) if run else 0,
                "reused_units": len(run.reused) if run else 0,
                "proof_cpu_seconds": round(proof_cpu, 2),
            }
        )
    )


# --- the parent: run, measure, report ------------------------------------------------------


def _tree_sample(pid: int, cpu_ticks: dict[int, int]) -> int:
    """Resident set size of ``pid`` and its descendants in KiB; records each one's CPU ticks."""
    total = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            cpu_ticks[current] = max(cpu_ticks.get(current, 0), int(fields[11]) + int(fields[12]))
            with open(f"/proc/{current}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as children:
                    stack.extend(int(c) for c in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError, ValueError):
            continue
    return total


def measure_child(kind: str, source: str, outdir: Path) -> tuple[float, float, float, dict[str, Any]]:
    """Run one child synthesis; return (wall s, CPU s of the process tree, peak tree RSS MiB, its summary).

    CPU time (user + system, of the child, the Node.js process and the cfn-guard processes) barely
    changes with other load on the machine; wall time does.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # jsii's node
    command = [sys.executable, "-m", "benchmarks.synth_scale", "--child", kind, source, str(outdir)]
    peak = 0
    cpu_ticks: dict[int, int] = {}
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, text=True)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_sample(process.pid, cpu_ticks))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    if process.returncode != 0:
        raise RuntimeError(f"synthesis of {source or kind} failed ({process.returncode}):\n{err[-3000:]}")
    # wait4 counts the child and the descendants it waited for; sampling /proc also counts a
    # Node.js process that exits unwaited (up to its last 20 ms). The larger is the better.
    sampled = sum(cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")
    cpu = max(usage.ru_utime + usage.ru_stime, sampled)
    peak_mb = max(peak, usage.ru_maxrss) / 1024
    return seconds, cpu, peak_mb, json.loads(out.strip().splitlines()[-1])


def assembly_digest(outdir: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(outdir)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run(
    label: str,
    integrations: int | None,
    kind: str,
    source: str,
    work: Path,
    repeat: int = 1,
    warm_cache: Path | None = None,
) -> Run:
    """Synthesize ``repeat`` times; keep the fastest sample (least disturbed by other load).

    With ``warm_cache``, each sample starts from a fresh copy of that cache folder (copied
    before the clock starts), so that no sample warms the cache for the next.
    """
    outdir = work / label.replace(" ", "-")
    samples = []
    best: tuple[float, float, float, dict[str, Any], str] | None = None
    for _ in range(repeat):
        shutil.rmtree(outdir, ignore_errors=True)
        if warm_cache is not None:
            copy = work / "cache-copy"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(warm_cache, copy)
            source = f"{source.partition('::')[0]}::{copy}"
        seconds, cpu, rss, summary = measure_child(kind, source, outdir)
        samples.append((round(seconds, 2), round(cpu, 2)))
        if best is None or cpu < best[1]:
            best = (seconds, cpu, rss, summary, assembly_digest(outdir) if outdir.exists() else "")
    assert best is not None
    seconds, cpu, rss, summary, digest = best
    seconds = min(wall for wall, _ in samples)
    stacks = summary["stacks"]
    result = Run(
        label=label,
        integrations=integrations,
        seconds=round(seconds, 2),
        cpu_seconds=round(cpu, 2),
        peak_rss_mb=round(rss, 1),
        stacks=len(stacks),
        template_bytes=sum(size for _, size in stacks.values()),
        resources_per_stack={name: count for name, (count, _) in stacks.items()},
        compliance_passed=summary["passed"],
        findings=summary["findings"],
        packs=summary["packs"],
        digest=digest,
        samples=samples,
        max_limit_share=summary.get("max_limit_share", 0.0),
        synthesized_units=summary.get("synthesized_units", 0),
        reused_units=summary.get("reused_units", 0),
        proof_cpu_seconds=summary.get("proof_cpu_seconds", 0.0),
    )
    print(
        f"  {label:<16} {seconds:7.2f} s wall  {cpu:7.2f} s CPU  {rss:7.1f} MiB  {result.stacks:4d} stacks  "
        f"{result.template_bytes / 1024:8.1f} KiB",
        flush=True,
    )
    shutil.rmtree(outdir, ignore_errors=True)
    return result


def machine() -> dict[str, Any]:
    memory_kb = 0
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            memory_kb = int(next(line for line in meminfo if line.startswith("MemTotal:")).split()[1])
    except (OSError, StopIteration):
        pass
    node = shutil.which("node", path=str(Path(sys.executable).parent)) or shutil.which("node") or "node"
    try:
        node_version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        node_version = "unknown"
    from importlib.metadata import version

    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "node": node_version,
        "platform": platform.platform(),
        "aws_cdk_lib": version("aws-cdk-lib"),
        "cdk_nag": version("cdk-nag"),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _marginal(sized: list[Run], metric: str) -> dict[str, float]:
    """Cost of each added integration between one size and the one before it."""
    out = {}
    for previous, current in itertools.pairwise(sized):
        assert current.integrations and previous.integrations
        delta = getattr(current, metric) - getattr(previous, metric)
        out[str(current.integrations)] = round(delta / (current.integrations - previous.integrations), 3)
    return out


def evaluate(floor: Run, example: Run, sized: list[Run], repeat: Run | None) -> dict[str, Any]:
    """Marginal costs and the targets.

    Absolute targets use wall time and peak memory. The ratios (marginal cost at 100 vs 10,
    example vs floor) use CPU time: on a shared machine the wall time of a short run is
    mostly other processes' load, and a ratio of two such numbers says nothing.
    """
    by_size = {r.integrations: r for r in sized}
    marginal_cpu = _marginal(sized, "cpu_seconds")
    targets: dict[str, dict[str, Any]] = {}
    if 100 in by_size:
        big = by_size[100]
        targets["100 integrations under 60 s (wall)"] = {"value": big.seconds, "limit": MAX_SECONDS_100}
        targets["100 integrations under 2 GB peak RSS"] = {"value": big.peak_rss_mb, "limit": MAX_RSS_MB_100}
    if "10" in marginal_cpu and "100" in marginal_cpu:
        ratio = round(marginal_cpu["100"] / marginal_cpu["10"], 2) if marginal_cpu["10"] > 0 else None
        targets["marginal CPU per integration at 100 <= 1.3x at 10"] = {"value": ratio, "limit": MAX_MARGINAL_RATIO}
    targets["example under 2.5x the empty-app floor (CPU)"] = {
        "value": round(example.cpu_seconds / floor.cpu_seconds, 2),
        "limit": MAX_EXAMPLE_OVER_FLOOR,
    }
    for target in targets.values():
        target["met"] = target["value"] is not None and target["value"] <= target["limit"]
    deterministic = None if repeat is None else repeat.digest == by_size[100].digest
    return {
        "marginal_cpu_seconds_per_integration": marginal_cpu,
        "marginal_wall_seconds_per_integration": _marginal(sized, "seconds"),
        "cpu_seconds_per_integration_over_floor": {
            str(r.integrations): round((r.cpu_seconds - floor.cpu_seconds) / r.integrations, 3) for r in sized
        },
        "example_over_floor_wall": round(example.seconds / floor.seconds, 2),
        "targets": targets,
        "deterministic_100": deterministic,
    }


def evaluate_large(example_check: Run, large: list[Run], change: Run | None) -> dict[str, Any]:
    """The targets of the ``airlock check`` series: the largest size passes every default pack
    within the memory budget and 80 % of every CloudFormation limit, its marginal CPU cost
    stays within 1.3x that at the second size, and a one-integration change with a warm
    cache takes at most 3x the example's check (CPU time; wall time is reported too)."""
    targets: dict[str, dict[str, Any]] = {}
    if not large:
        return {"targets": targets, "marginal_cpu_seconds_per_integration": {}}
    marginal = _marginal(large, "cpu_seconds")
    biggest = large[-1]
    n = biggest.integrations
    targets[f"{n} integrations pass every default pack (unacknowledged findings)"] = {
        "value": biggest.findings if biggest.compliance_passed is not None else None,
        "limit": 0,
    }
    targets[f"{n} integrations under 4 GB peak RSS"] = {"value": biggest.peak_rss_mb, "limit": MAX_RSS_MB_LARGE}
    targets[f"every stack at {n} integrations under 80% of each CloudFormation limit"] = {
        "value": biggest.max_limit_share,
        "limit": MAX_LIMIT_SHARE,
    }
    if len(large) >= 3:
        low, high = str(large[1].integrations), str(large[-1].integrations)
        ratio = round(marginal[high] / marginal[low], 2) if marginal[low] > 0 else None
        targets[f"marginal CPU per integration at {high} <= 1.3x at {low}"] = {
            "value": ratio,
            "limit": MAX_LARGE_MARGINAL_RATIO,
        }
    proven = next((r for r in large if r.integrations == 100), None)
    if proven is not None and proven.cpu_seconds > proven.proof_cpu_seconds:
        targets["the access proof adds <= 25% to the check of 100 integrations (CPU)"] = {
            "value": round(proven.proof_cpu_seconds / (proven.cpu_seconds - proven.proof_cpu_seconds), 3),
            "limit": MAX_PROOF_SHARE,
        }
    if change is not None:
        targets[f"one-integration change at {n} (warm cache) <= 3x the example's check (CPU)"] = {
            "value": round(change.cpu_seconds / example_check.cpu_seconds, 2),
            "limit": MAX_CHANGE_OVER_EXAMPLE,
        }
    for target in targets.values():
        target["met"] = target["value"] is not None and target["value"] <= target["limit"]
    return {
        "targets": targets,
        "marginal_cpu_seconds_per_integration": marginal,
        "change_over_example_wall": round(change.seconds / example_check.seconds, 2) if change else None,
    }


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"Synth benchmark of {report['date']} on {m['nproc']} cores, {m['memory_gib']} GiB, "
        f"Python {m['python']}, Node.js {m['node']}, aws-cdk-lib {m['aws_cdk_lib']}, cdk-nag {m['cdk_nag']} "
        f"(load average at start {', '.join(map(str, m['load_average_at_start']))}); "
        f"validation plugins: {', '.join(report['packs'])}.",
        "",
        "| run | integrations | stacks | wall time | CPU time | peak RSS | templates | max resources/stack "
        "| marginal CPU s/integration | findings | max share of a limit | units synthesized / cached "
        "| proof CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    marginal = report["results"]["marginal_cpu_seconds_per_integration"]
    large = report.get("large", {}).get("marginal_cpu_seconds_per_integration", {})
    for r in report["runs"]:
        count = "" if r["integrations"] is None else str(r["integrations"])
        checked = r["label"].endswith(("check", "change"))
        in_large = r["label"].endswith("check") and r["label"] != "example check"
        series = large if in_large else {} if checked or r["label"].endswith("repeat") else marginal
        share = f"{r['max_limit_share']:.0%}" if checked else ""
        units = f"{r['synthesized_units']} / {r['reused_units']}" if checked else ""
        proof = f"{r.get('proof_cpu_seconds', 0.0):.1f} s" if checked else ""
        lines.append(
            f"| {r['label']} | {count} | {r['stacks']} | {r['seconds']:.1f} s | {r['cpu_seconds']:.1f} s | "
            f"{r['peak_rss_mb']:.0f} MiB | "
            f"{r['template_bytes'] / 1024:.0f} KiB | {max(r['resources_per_stack'].values(), default=0)} | "
            f"{series.get(count, '')} | {r['findings']} | {share} | {units} | {proof} |"
        )
    lines += ["", "| target | value | limit | met |", "|---|---:|---:|---|"]
    all_targets = {**report["results"]["targets"], **report.get("large", {}).get("targets", {})}
    for name, target in all_targets.items():
        value = "not measurable" if target["value"] is None else target["value"]
        lines.append(f"| {name} | {value} | {target['limit']} | {'yes' if target['met'] else 'NO'} |")
    lines += [
        "",
        "Findings are unacknowledged findings of the opt-in packs (HIPAA, PCI); the default packs pass. "
        "Marginal cost: CPU seconds per added integration between one size and the one before it. "
        "CPU time is of the synth process, its Node.js child and the cfn-guard processes; "
        "wall time on a loaded machine is pessimistic.",
    ]
    lines.append(
        f"Example over the floor in wall time, for reference: {report['results']['example_over_floor_wall']}x."
    )
    large = report.get("large")
    if large:
        lines += [
            "",
            "Runs named *check* are `airlock check` (synthesis in units on every core, the default packs and "
            "cfn-lint) of generated specs whose accounts are half created by the organization layer, half "
            "adopted, each filling a fresh unit cache; *one change* adds a buffer to one integration of the "
            "largest spec and checks it with that spec's warm cache. Their marginal cost is per integration "
            "between one size of this series and the one before it. *Proof CPU* is the access proof's "
            "part of the check's CPU time (flows, probes, effective access, deployability; docs/access.md).",
        ]
        ratio = large.get("change_over_example_wall")
        if ratio is not None:
            lines.append(f"One change over the example's check in wall time, for reference: {ratio}x.")
    deterministic = report["results"]["deterministic_100"]
    if deterministic is not None:
        lines += ["", f"100-integration synthesis byte-identical across two runs: {'yes' if deterministic else 'NO'}."]
    return "\n".join(lines) + "\n"


README_START = "<!-- bench:start -->"
README_END = "<!-- bench:end -->"


def update_readme(readme: Path, table: str) -> None:
    """Replace the text between the bench markers of the README with ``table``."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_START) + len(README_START), text.index(README_END)
    readme.write_text(text[:start] + "\n" + table + text[end:], encoding="utf-8")


def changed_one(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with one integration (the middle one) changed as a pull request would: one more buffer."""
    changed = json.loads(json.dumps(data))
    integration = changed["integrations"][len(changed["integrations"]) // 2]
    integration["buffers"].append({"name": "added-in-review", "consumer_timeout_seconds": 45})
    return changed


def run_large(sizes: list[int], work: Path, repeat: int) -> list[Run]:
    """The ``airlock check`` series: the example (no cache), each size with a fresh cache,
    and a one-integration change of the largest size with its warm cache."""
    from airlock.spec import validate
    from benchmarks.generate import generate_spec, write_spec

    if not sizes:
        return []
    print(f"check benchmark: sizes {sizes}, default packs, created and adopted accounts", flush=True)
    runs = [run("example check", 3, "check", str(EXAMPLE), work, repeat)]
    data: dict[str, Any] = {}
    for size in sizes:
        data = generate_spec(size, created_every=2)
        validate(data)
        folder = work / f"large-{size}"
        folder.mkdir()
        spec = write_spec(data, folder / "spec.yaml")
        runs.append(run(f"{size} check", size, "check", f"{spec}::{work / f'cache-{size}'}", work))
    biggest = sizes[-1]
    changed = changed_one(data)
    validate(changed)
    folder = work / "change"
    folder.mkdir()
    spec = write_spec(changed, folder / "spec.yaml")
    runs.append(
        run(f"{biggest} one change", biggest, "check", str(spec), work, repeat, warm_cache=work / f"cache-{biggest}")
    )
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="synth_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="integration counts to run")
    parser.add_argument("--no-repeat", action="store_true", help="skip the determinism re-run of the largest size")
    parser.add_argument("--repeat", type=int, default=1, help="samples per run; the fastest counts (default: 1)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder (default: benchmarks/results)")
    parser.add_argument("--readme", action="store_true", help="also put the table into README.md")
    parser.add_argument(
        "--large-sizes",
        type=int,
        nargs="*",
        default=list(LARGE_SIZES),
        help="integration counts of the `airlock check` series (none: skip it)",
    )
    parser.add_argument("--child", nargs=3, metavar=("KIND", "SOURCE", "OUTDIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0

    # The parent never imports the CDK: a jsii runtime here would compete with the measured child.
    from airlock.spec import validate
    from benchmarks.generate import generate_spec, write_spec

    sizes = sorted(set(args.sizes))
    report: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "repeat": args.repeat,
        "machine": machine(),
    }
    print(f"synth benchmark: sizes {sizes}, every validation plugin on", flush=True)
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="airlock-bench-") as tmp:
        work = Path(tmp)
        floor = run("empty app", None, "empty", "", work, args.repeat)
        example = run("example", 3, "spec", str(EXAMPLE), work, args.repeat)
        runs += [floor, example]
        sized = []
        for size in sizes:
            data = generate_spec(size)
            validate(data)
            spec = write_spec(data, work / f"spec-{size}.yaml")
            label = f"{size} integration" + ("s" if size != 1 else "")
            sized.append(run(label, size, "spec", str(spec), work, args.repeat))
        runs += sized
        repeat = None
        if not args.no_repeat and 100 in sizes:
            repeat = run("100 repeat", 100, "spec", str(work / "spec-100.yaml"), work)
            runs.append(repeat)
        large_runs = run_large(sorted(set(args.large_sizes)), work, args.repeat)
        runs += large_runs
    report["packs"] = example.packs
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report["runs"] = [asdict(r) for r in runs]
    report["results"] = evaluate(floor, example, sized, repeat)
    if large_runs:
        by_label = {r.label: r for r in large_runs}
        series = [r for r in large_runs if r.label.endswith(" check") and r.label != "example check"]
        change = next((r for r in large_runs if r.label.endswith("change")), None)
        report["large"] = evaluate_large(by_label["example check"], series, change)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "synth_scale.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = markdown(report)
    (args.out / "synth_scale.md").write_text(table, encoding="utf-8")
    if args.readme:
        update_readme(ROOT / "README.md", table)
    print()
    print(table)
    targets = {**report["results"]["targets"], **report.get("large", {}).get("targets", {})}
    missed = [name for name, t in targets.items() if not t["met"]]
    if report["results"]["deterministic_100"] is False:
        missed.append("deterministic 100-integration synthesis")
    if missed:
        print(f"missed: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
