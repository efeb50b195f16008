"""The proof's failures as compliance findings, for the reports of ``airlock check``.

Every failure blocks: a broken flow, an allowed probe, access beyond or short of the grants,
an undeployable resource, or anything undecided. There is no acknowledging them: each means
the landing zone would not work, or would allow more than it declares.
"""

from __future__ import annotations

from collections.abc import Iterable

from airlock.access.proof import PACK, Failure, Proof
from airlock.compliance.report import Finding

#: Where the reports send a reader for what each rule means and how to fix it.
HELP = "docs/access.md"


def proof_findings(failures: Proof | Iterable[Failure]) -> list[Finding]:
    """Findings of a proof (or of its failures, e.g. reused from a cache), in their order."""
    out = []
    for failure in failures.failures() if isinstance(failures, Proof) else failures:
        if failure.template and failure.logical_id:
            stack = failure.stack or failure.template.rsplit("/", 1)[-1].removesuffix(".template.json")
            path = f"{stack}/{failure.logical_id}"
        else:
            path = f"{failure.integration or 'landing-zone'}/{failure.origin or 'spec'}"
        out.append(
            Finding(
                pack=PACK,
                rule=failure.rule,
                description=failure.message,
                path=path,
                severity="error",
                template=failure.template,
                logical_id=failure.logical_id,
                fix=HELP,
                blocking=True,
                origin=failure.origin,
            )
        )
    return out
