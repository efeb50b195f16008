"""Run the registered checks over a spec and collect the findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from airlock.aws_calls import CallError
from airlock.spec import AccountLock, Integration, Spec
from airlock.verify.aws import Sessions
from airlock.verify.context import Context
from airlock.verify.expected import Expectations
from airlock.verify.findings import Finding, Status
from airlock.verify.registry import Check, Scope, all_checks

EXIT_OK = 0
EXIT_DRIFT = 1


class UnknownIntegration(KeyError):
    """``integrations`` names an integration the spec does not have (bad input)."""


@dataclass
class Report:
    """Every finding of a run, in check order, and the checks that ran."""

    findings: list[Finding] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def count(self, status: Status) -> int:
        return sum(1 for finding in self.findings if finding.status is status)

    @property
    def passed(self) -> bool:
        """True when every finding is ``ok``: the deployment matches the spec."""
        return all(finding.passed for finding in self.findings)

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.passed else EXIT_DRIFT


def verify(
    spec: Spec,
    lock: AccountLock,
    sessions: Sessions,
    *,
    integrations: Sequence[str] | None = None,
    expectations: Expectations | None = None,
    checks: Sequence[Check] | None = None,
) -> Report:
    """Audit the live accounts against ``spec``.

    :param integrations: names to narrow the audit to (organization checks always run);
        default: every integration. Unknown names raise :class:`UnknownIntegration`.
    :param expectations: expected state from the builders; default: none (see
        :mod:`airlock.verify.expected`).
    :param checks: checks to run; default: every registered check.
    """
    selected = select_integrations(spec, integrations)
    checks = list(checks) if checks is not None else all_checks()
    root = Context(spec, lock, sessions, expectations or Expectations())
    report = Report(checks=checks)
    for item in checks:
        if item.scope is Scope.ORGANIZATION:
            report.findings += run_check(item, root)
            continue
        for integration in selected:
            scoped = root.scoped(integration)
            if item.scope is Scope.INTEGRATION:
                report.findings += run_check(item, scoped)
            elif scoped.account_id is not None:  # AV-ACCOUNT-1 reports the unknown account
                for region in integration.regions:
                    report.findings += run_check(item, root.scoped(integration, region))
    return report


def select_integrations(spec: Spec, names: Sequence[str] | None) -> list[Integration]:
    """The integrations ``names`` asks for (default: all); :class:`UnknownIntegration` names the others."""
    if not names:
        return list(spec.integrations)
    unknown = sorted(set(names) - {integration.name for integration in spec.integrations})
    if unknown:
        raise UnknownIntegration(", ".join(unknown))
    return [integration for integration in spec.integrations if integration.name in names]


def run_check(item: Check, ctx: Context) -> list[Finding]:
    """``item`` in ``ctx``; an AWS call it could not make becomes one ``error`` finding.

    So does an answer the check could not make sense of: a check never ends in a traceback,
    and never in ``missing`` or ``ok`` for what it could not read.
    """
    try:
        return item.function(ctx)
    except CallError as exc:
        return [ctx.finding(item.id, Status.ERROR, ctx.where(), str(exc))]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        message = f"the check could not read what AWS answered ({type(exc).__name__}: {exc}); run it again"
        return [ctx.finding(item.id, Status.ERROR, ctx.where(), message)]
