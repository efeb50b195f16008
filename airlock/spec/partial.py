"""The parts of an invalid spec that did validate, so cross-field checks can still run on them.

:func:`partial` validates data against a model. Where that fails, it returns an instance of
the model anyway (of a subclass made for the purpose) holding every field that validated;
a field that did not is left out, and reading it raises :class:`Unvalidated` instead of
returning a default or a guess. Nested models are treated the same way, so one bad field
deep in ``organization`` or in one buffer leaves the rest of the block readable.

The cross-field checks (:mod:`airlock.spec.checks`) run on such partial objects and skip a
check whose input did not validate: its structural error is already reported, and a check
that ran on a default in its place would report false follow-on errors (``service_endpoints
need organization.organization_id`` when the id is set, but another organization field is
bad). A model's own ``model_validator`` does not run on a partial object; checks that
relate several fields belong in the cross-field checks, where they point at the field.
"""

from __future__ import annotations

import functools
import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError, model_validator

from airlock.spec.errors import Loc, format_path


class Unvalidated(Exception):
    """A check read a field that did not validate (its error is reported on its own)."""

    def __init__(self, loc: Loc, field: str) -> None:
        super().__init__(f"{format_path((*loc, field))} did not validate")
        self.loc = loc
        self.field = field


_LOC = "_airlock_partial_loc"


def _unvalidated_getattr(self: BaseModel, name: str) -> Any:
    if name in type(self).model_fields:
        private = object.__getattribute__(self, "__pydantic_private__") or {}
        raise Unvalidated(private.get(_LOC, ()), name)
    return BaseModel.__getattr__(self, name)  # type: ignore[misc]


def _identity_after(self: Any) -> Any:
    return self


def _identity_before(cls: Any, data: Any) -> Any:
    return data


@functools.cache
def _variant(model: type[BaseModel], failing: frozenset[str]) -> type[BaseModel]:
    """A subclass of ``model`` whose ``failing`` fields take anything and whose model validators are off."""
    namespace: dict[str, Any] = {
        "__module__": model.__module__,
        "__qualname__": f"Partial{model.__name__}",
        "__annotations__": dict.fromkeys(failing, Any),
        "__getattr__": _unvalidated_getattr,
    }
    namespace.update(dict.fromkeys(failing))
    for name, decorator in model.__pydantic_decorators__.model_validators.items():
        if decorator.info.mode == "after":
            namespace[name] = model_validator(mode="after")(_identity_after)
        else:
            namespace[name] = model_validator(mode=decorator.info.mode)(classmethod(_identity_before))  # type: ignore[call-overload]
    return type(model)(f"Partial{model.__name__}", (model,), namespace)


def partial(model: type[BaseModel], data: Any, context: dict[str, Any], loc: Loc = ()) -> BaseModel:
    """``model`` validated from ``data``; where that fails, the parts that validated (see the module)."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    if not isinstance(data, dict):
        return _empty(model, loc)
    failing = {str(error["loc"][0]) for error in errors if error["loc"] and str(error["loc"][0]) in model.model_fields}
    nested: dict[str, Any] = {}
    for name in failing & set(data):
        value = _nested(model.model_fields[name].annotation, data[name], context, (*loc, name))
        if value is not _UNSET:
            nested[name] = value
    variant = _variant(model, frozenset(failing))
    kept = {key: value for key, value in data.items() if key in model.model_fields and key not in failing}
    try:
        instance = variant.model_validate({**kept, **nested}, context=context)
    except Exception:  # a part that cannot be rebuilt is left out as a whole
        return _empty(model, loc)
    for name in failing - set(nested):
        instance.__dict__.pop(name, None)
    object.__setattr__(instance, "__pydantic_private__", {_LOC: loc})
    return instance


def _empty(model: type[BaseModel], loc: Loc) -> BaseModel:
    """An instance of ``model`` none of whose fields can be read (the data was not even a mapping)."""
    instance = _variant(model, frozenset(model.model_fields)).model_construct()
    instance.__dict__.clear()
    object.__setattr__(instance, "__pydantic_private__", {_LOC: loc})
    return instance


_UNSET = object()


def _nested(annotation: Any, value: Any, context: dict[str, Any], loc: Loc) -> Any:
    """The partial value of a failing field that holds models; ``_UNSET`` if it holds none."""
    if value is None:
        return _UNSET
    model = _model_in(annotation)
    if model is not None and isinstance(value, dict):
        return partial(model, value, context, loc)
    origin = get_origin(annotation)
    if origin is list and isinstance(value, list):
        (item,) = get_args(annotation) or (Any,)
        inner = _model_in(item)
        if inner is not None:
            return [partial(inner, entry, context, (*loc, index)) for index, entry in enumerate(value)]
    if _is_optional(annotation):
        inner_annotation = next(arg for arg in get_args(annotation) if arg is not type(None))
        return _nested(inner_annotation, value, context, loc)
    return _UNSET


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model ``annotation`` is, or is optionally (``Model | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if _is_optional(annotation):
        (inner,) = [arg for arg in get_args(annotation) if arg is not type(None)] or [None]
        return _model_in(inner)
    return None


def _is_optional(annotation: Any) -> bool:
    args = get_args(annotation)
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in args and len(args) == 2
