"""Load a spec file: YAML with line numbers -> model validation -> cross-field checks.

Nothing is written anywhere; on any problem one :class:`SpecError` lists them all: the
structural errors of the models and the cross-field checks of whatever validated
(:mod:`airlock.spec.partial`, :mod:`airlock.spec.checks`) together.

YAML anchors and aliases are allowed, within bounds: a document whose aliases would expand
it to more than :func:`alias_limit` values (an "alias bomb", nested aliases that grow
tenfold per level) is refused before anything walks the expanded tree, and so is an alias
inside the value it names (a recursive structure).
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from airlock.spec.accounts import lock_path_for, recorded_ids
from airlock.spec.checks import cross_checks
from airlock.spec.errors import Loc, SpecError, SpecIssue
from airlock.spec.models import Integration, Organization, Spec
from airlock.spec.partial import partial
from airlock.spec.types import WrittenInt

LineMap = dict[Loc, int]

_MERGE_TAG = "tag:yaml.org,2002:merge"


def alias_limit(written: int) -> int:
    """Values a document of ``written`` values may have once its aliases are expanded."""
    return 10 * written + 10_000


#: libyaml's parser where PyYAML was built with it (its wheels are): the same documents, nodes
#: and marks as the pure-Python parser, about ten times faster on a spec of 1,000 integrations.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that refuses duplicate keys (PyYAML keeps the last one silently) and keeps
    the text of numbers YAML reads differently from their decimal form (``012`` is octal)."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue  # '<<: *anchor' merges keys that the mapping's own keys override
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"key '{key}' appears twice (first on line {seen[key] + 1}); keep one",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    value: int = loader.construct_yaml_int(node)  # type: ignore[no-untyped-call]
    text = str(node.value)
    return value if text == str(value) else WrittenInt(value, text)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _Recursive(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _sizes(root: yaml.Node) -> tuple[int, int]:
    """(values as written, values once every alias is expanded) of a composed document."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _Recursive(node)
        active.add(key)
        if isinstance(node, yaml.MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        sizes[key] = 1 + sum(size(child) for child in children)
        active.discard(key)
        return sizes[key]

    expanded = size(root)
    return len(sizes), expanded


def _check_aliases(node: yaml.Node, source: str) -> None:
    try:
        written, expanded = _sizes(node)
    except _Recursive as exc:
        line = exc.node.start_mark.line + 1
        raise SpecError(
            [
                SpecIssue(
                    (),
                    f"an alias refers to itself: the value anchored on line {line} contains its own alias, an "
                    "infinitely deep structure; write the value out instead of the alias",
                    line,
                )
            ],
            source,
        ) from None
    limit = alias_limit(written)
    if expanded > limit:
        raise SpecError(
            [
                SpecIssue(
                    (),
                    f"the YAML aliases expand the document from {written:,} values to more than {limit:,} "
                    "(nested aliases multiply); write the repeated parts out or use fewer nested aliases",
                )
            ],
            source,
        )


def _line_map(node: yaml.Node | None, loc: Loc = (), out: LineMap | None = None) -> LineMap:
    """Map every field path to the (1-based) line where its value starts."""
    out = {} if out is None else out
    if node is None:
        return out
    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*loc, str(key_node.value))
            out[child] = key_node.start_mark.line + 1
            _line_map(value_node, child, out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*loc, index), out)
    return out


def _line_for(loc: Loc, lines: LineMap) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def line_of(loc: Loc, lines: LineMap) -> int | None:
    """The line of field ``loc``, or of the nearest field above it that has one."""
    return _line_for(loc, lines)


def spec_lines(path: str | Path) -> LineMap:
    """Field path -> line of the spec file at ``path`` (empty when it cannot be read or parsed).

    The map is remembered for the file's text (a check locates its findings, acknowledged
    findings and warnings in the same spec); callers must not change it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return _lines_of_text(text, str(path))


@functools.lru_cache(maxsize=2)
def _lines_of_text(text: str, source: str) -> LineMap:
    try:
        return parse_yaml(text, source)[1]
    except SpecError:
        return {}


def parse_yaml(text: str, source: str) -> tuple[Any, LineMap]:
    """The document and its line map; aliases are bounded before either is built."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()  # type: ignore[no-untyped-call]
        if node is None:
            return None, {}
        _check_aliases(node, source)
        lines = _line_map(node)
        data = loader.construct_document(node)  # type: ignore[no-untyped-call]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        raise SpecError([SpecIssue((), f"malformed YAML: {problem}{context}; fix the syntax", line)], source) from None
    except yaml.YAMLError as exc:
        raise SpecError([SpecIssue((), f"malformed YAML: {exc}; fix the syntax")], source) from None
    except RecursionError:
        raise SpecError(
            [SpecIssue((), "the YAML is nested too deeply to read; a spec needs a few levels, so flatten it")], source
        ) from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
    return data, lines


def _model_for(loc: Loc) -> type[BaseModel] | None:
    """The model whose fields a location's last key belongs to (for 'did you mean')."""
    model: type[BaseModel] | None = Spec
    for part in loc[:-1]:
        if model is None or isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        model = _inner_model(field.annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else f"'{value}'"
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Any) -> str:
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    value = error.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        model = _model_for(loc)
        known = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known keys here: {', '.join(known)}"
        return f"unknown key '{key}'; {hint}"
    if kind == "missing":
        return f"required field '{loc[-1]}' is missing; add it"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{_shown(value)} is not allowed; use one of {expected}"
    if kind in ("too_short", "too_long"):
        return f"{error['msg'][0].lower()}{error['msg'][1:]} (got {_shown(value)}); adjust the list"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{_shown(value)} has the wrong type: {error['msg'][0].lower()}{error['msg'][1:]}"
    return f"{_shown(value)}: {error['msg'][0].lower()}{error['msg'][1:]}; fix the value"


def _issues(exc: ValidationError, prefix: Loc, lines: LineMap) -> list[SpecIssue]:
    issues = []
    for error in exc.errors(include_url=False):
        loc: Loc = (*prefix, *error["loc"])
        issues.append(SpecIssue(loc, _message({**error, "loc": loc}), _line_for(loc, lines)))
    return issues


def validate(
    data: Any,
    *,
    source: str | None = None,
    lines: LineMap | None = None,
    today: date | None = None,
    accounts: Mapping[str, str] | None = None,
    accounts_source: str = "the account lock file",
) -> Spec:
    """Validate already-parsed spec data; raise :class:`SpecError` with every problem.

    ``today`` is the date that date checks (e.g. no assessment in the future) use; default:
    the system date. ``accounts`` are the ids of created accounts (the lock file's entries):
    they are checked like adopted accounts.
    """
    lines = lines or {}
    context = {"today": today}
    if not isinstance(data, dict):
        raise SpecError(
            [
                SpecIssue(
                    (), f"the spec must be a mapping with 'organization' and 'integrations', got {_shown(data)}", 1
                )
            ],
            source,
        )
    issues: list[SpecIssue] = []
    spec: Spec | None = None
    try:
        spec = Spec.model_validate(data, context=context)
    except ValidationError as exc:
        issues.extend(_issues(exc, (), lines))
    if spec is not None:
        org: Organization = spec.organization
        integrations = list(enumerate(spec.integrations))
    else:  # the parts that validated, so that the cross-field checks still run on them
        raw_org = data.get("organization")
        org = partial(Organization, raw_org if raw_org is not None else {}, context, ("organization",))  # type: ignore[assignment]
        raw = data.get("integrations")
        integrations = [
            (index, partial(Integration, item, context, ("integrations", index)))  # type: ignore[misc]
            for index, item in enumerate(raw if isinstance(raw, list) else [])
        ]
    for issue in cross_checks(org, integrations, accounts, accounts_source):
        issues.append(SpecIssue(issue.loc, issue.message, _line_for(issue.loc, lines)))
    if issues or spec is None:
        raise SpecError(issues, source)
    return spec


def load(path: str | Path, *, today: date | None = None) -> Spec:
    """Read and validate a spec file (``today``: see :func:`validate`)."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise SpecError([SpecIssue((), f"file '{path}' does not exist; pass the path of a spec file (see examples/)")])
    if path.is_dir():
        raise SpecError([SpecIssue((), f"'{path}' is a folder; pass the path of a spec file (see examples/)")])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([SpecIssue((), f"cannot read '{path}': {exc}; pass a readable UTF-8 YAML file")]) from None
    data, lines = parse_yaml(text, source)
    lock = lock_path_for(path)
    return validate(
        data, source=source, lines=lines, today=today, accounts=recorded_ids(lock), accounts_source=str(lock)
    )
