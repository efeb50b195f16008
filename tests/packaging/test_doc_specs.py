"""Every spec snippet in README.md and docs/ is valid: placed into the default example, it validates.

A snippet is a ```yaml block whose top-level keys are spec keys (``organization``,
``integrations``, ``version``). Its organization block is merged into the example's; each
integration it shows is merged into the example's integration of that name (or added, on top
of the first integration's fields). Unknown keys are errors, so a field in the wrong place
(``organization.access.organization_id``) fails here.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from airlock.spec import SpecError, load_account_lock, validate
from tests.conftest import EXAMPLE_SPEC, ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```ya?ml\n(.*?)^```", re.DOTALL | re.MULTILINE)
SPEC_KEYS = {"version", "organization", "integrations"}


def merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: merge(base[k], v) if k in base else v for k, v in over.items()}}
    return over


FIRST_SPEC = ROOT / "docs" / "first-spec.md"


def blocks(page) -> list[Any]:
    return [yaml.safe_load(block) for block in _BLOCK.findall(page.read_text())]


def first_spec() -> dict[str, Any]:
    """The whole file the walkthrough builds: its last YAML block."""
    return blocks(FIRST_SPEC)[-1]


def snippets() -> list[tuple[str, dict[str, Any]]]:
    """Spec snippets of every page but the walkthrough (whose snippets are parts of its whole file)."""
    out = []
    for page in (p for p in PAGES if p != FIRST_SPEC):
        for index, block in enumerate(_BLOCK.findall(page.read_text())):
            data = yaml.safe_load(block)
            if isinstance(data, dict) and data and set(data) <= SPEC_KEYS:
                out.append((f"{page.name}#{index}", data))
    return out


def placed(snippet: dict[str, Any]) -> dict[str, Any]:
    data = yaml.safe_load(EXAMPLE_SPEC.read_text())
    data["organization"] = merge(data["organization"], snippet.get("organization") or {})
    for integration in snippet.get("integrations") or []:
        names = [i["name"] for i in data["integrations"]]
        if integration.get("name") in names:
            at = names.index(integration["name"])
            data["integrations"][at] = merge(data["integrations"][at], integration)
        else:
            data["integrations"].append(merge(copy.deepcopy(data["integrations"][0]), integration))
    return data


SNIPPETS = snippets()


def test_the_docs_show_spec_snippets():
    assert {"vendor-onboarding.md#0", "guardrails.md#1"} <= {name for name, _ in SNIPPETS}


@pytest.mark.parametrize(("name", "snippet"), SNIPPETS, ids=[name for name, _ in SNIPPETS])
def test_spec_snippet_is_valid(name, snippet):
    try:
        validate(placed(snippet), accounts=load_account_lock(EXAMPLE_SPEC).ids)
    except SpecError as exc:
        pytest.fail(f"{name}: {exc.render()}")


def test_a_misplaced_field_fails():
    wrong = {"organization": {"access": {"organization_id": "o-c0nt0s0fr8"}}}
    with pytest.raises(SpecError, match=r"organization\.access\.organization_id"):
        validate(placed(wrong), accounts=load_account_lock(EXAMPLE_SPEC).ids)


def contained(part: Any, whole: Any) -> bool:
    if isinstance(part, dict):
        if not isinstance(whole, dict):
            return False
        return all(k in whole and contained(v, whole[k]) for k, v in part.items())
    if isinstance(part, list) and part and isinstance(part[0], dict) and "name" in part[0]:
        named = {item["name"]: item for item in whole or []}
        return all(item["name"] in named and contained(item, named[item["name"]]) for item in part)
    return part == whole


def test_the_walkthroughs_whole_file_is_a_valid_spec_on_its_own():
    spec = validate(first_spec())
    assert [i.name for i in spec.integrations] == ["tickets"]
    assert spec.integrations[0].access is not None and spec.integrations[0].observability.subscribers


def test_each_step_of_the_walkthrough_is_part_of_its_whole_file():
    steps = blocks(FIRST_SPEC)[:-1]
    assert len(steps) >= 3
    for step in steps:
        assert contained(step, first_spec()), step
    assert not contained({"integrations": [{"name": "tickets", "state": "suspended"}]}, first_spec())
