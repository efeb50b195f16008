"""Account ids of created accounts, kept in a lock file beside the spec.

A created account gets its id only when the organization stack has been deployed, but
integration stacks need it at synth time. The lock file ``<spec>.accounts.json`` maps
integration names to those ids; adopted accounts need no entry.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from airlock.spec.errors import SpecError, SpecIssue
from airlock.spec.models import Integration

_ACCOUNT_ID = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class AccountLock:
    """Known ids of created accounts, by integration name."""

    ids: dict[str, str] = field(default_factory=dict)
    path: Path | None = None

    def account_id(self, integration: Integration) -> str | None:
        """The intermediate account id of an integration, or None while it is not yet known."""
        if integration.account.adopt:
            return integration.account.adopt
        return self.ids.get(integration.name)


def lock_path_for(spec_path: str | Path) -> Path:
    spec_path = Path(spec_path)
    return spec_path.with_name(spec_path.stem + ".accounts.json")


def load_account_lock(spec_path: str | Path) -> AccountLock:
    """Read the lock file beside ``spec_path``; an absent file means no ids are known yet."""
    path = lock_path_for(spec_path)
    if not path.exists():
        return AccountLock(path=path)
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(
            [SpecIssue((), f"cannot read the account lock file: {exc}; fix or delete it")], source
        ) from None
    accounts = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(accounts, dict):
        raise SpecError(
            [SpecIssue(("accounts",), 'missing; the lock file must look like {"accounts": {"crm": "123456789012"}}')],
            source,
        )
    issues = [
        SpecIssue(("accounts", str(name)), f"{value!r} is not a 12-digit account id; correct it or delete the entry")
        for name, value in accounts.items()
        if not isinstance(value, str) or not _ACCOUNT_ID.match(value)
    ]
    if issues:
        raise SpecError(issues, source)
    return AccountLock(ids=dict(sorted(accounts.items())), path=path)


def recorded_ids(path: Path) -> dict[str, str]:
    """The well-formed entries of the lock file at ``path`` (none if it is absent or unreadable).

    The spec checks compare them with the spec's own accounts; a broken lock file is reported
    by :func:`load_account_lock`, with the fix.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    accounts = data.get("accounts") if isinstance(data, dict) else None
    if not isinstance(accounts, dict):
        return {}
    return {str(name): value for name, value in accounts.items() if isinstance(value, str) and _ACCOUNT_ID.match(value)}


def render_account_lock(ids: dict[str, str]) -> str:
    """The lock file's text: ``{"accounts": {...}}``, sorted, two-space indented."""
    return json.dumps({"accounts": dict(sorted(ids.items()))}, indent=2) + "\n"


def save_account_lock(spec_path: str | Path, ids: dict[str, str]) -> Path:
    """Write the lock file beside ``spec_path`` atomically (a reader never sees half a file)."""
    bad = sorted(name for name, value in ids.items() if not _ACCOUNT_ID.match(value))
    if bad:
        raise ValueError(f"account ids of {bad} are not 12-digit ids; nothing was written")
    path = lock_path_for(spec_path)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(render_account_lock(ids))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
