"""SARIF 2.1.0 envelope shared by `airlock check` and `airlock verify` (no CDK import)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def sarif_log(driver: dict[str, Any], results: Sequence[dict[str, Any]], **run: Any) -> str:
    """One SARIF log with a single run of ``driver`` (name, version, rules, ...) and ``results``.

    ``run`` adds further members of the run object (``automationDetails``, ``properties``).
    """
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": list(results), **run}],
    }
    return json.dumps(document, indent=2) + "\n"
