"""Generates ``resolver/config/profile_table.py`` from the pydantic model.

The table tells the fast path (``resolver.config.fastprofile``) how the model treats each
profile key given as an INI string: ``str`` (stripped), ``choice`` (one of the Literal's
values), ``duration`` (``parse_duration``), ``tags`` (``k=v,...``), ``list`` (``a,b``) or
``region`` / ``endpoint`` (stripped, then ``resolver.config.values``' check), or ``defer``
(anything else: the fast path leaves such a profile to pydantic). A key whose
type, constraints or validators this generator does not recognise becomes ``defer``, and
a model-level validator turns the fast path off, so the model can change freely: the
table only ever loses speed, never correctness. ``tests/config/test_fastprofile.py``
checks that the committed table is current and that both paths agree on generated
profiles.

    python -m resolver.config.fastgen   # rewrite the table
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from resolver.config import model

TABLE = Path(__file__).with_name("profile_table.py")

# The model's field validators the fast path implements, by the type they sit on.
_KNOWN_VALIDATORS = {
    ("_duration", "before"): "duration",
    ("_tags", "before"): "tags",
    ("_lists", "before"): "list",
    ("_policy", "before"): "str",  # acts on TOML tables only
    ("_credential_source", "before"): "choice",
    ("_region", "after"): "region",  # a stripped string that region_problem accepts
    ("_endpoint", "after"): "endpoint",  # a stripped string that endpoint_problem accepts
}


def _optional(annotation: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (annotation, False)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def _shape(annotation: Any) -> tuple[str, tuple[str, ...]]:
    """The fast kind a plain annotation allows, with a Literal's choices."""
    inner, optional = _optional(annotation)
    if optional and inner is str:
        return "str", ()
    if optional and inner is int:
        return "int", ()
    if optional and typing.get_origin(inner) is Literal:
        choices = typing.get_args(inner)
        if all(isinstance(choice, str) for choice in choices):
            return "choice", choices
    if inner == dict[str, str]:
        return "dict", ()
    if inner == list[str]:
        return "list", ()
    return "defer", ()


# Which fast kind a shape becomes, by the known validators on its field (else defer).
_KIND_BY_VALIDATORS: dict[str, dict[tuple[str, ...], str]] = {
    "int": {("duration",): "duration"},
    "dict": {("tags",): "tags"},
    "list": {("list",): "list"},
    "str": {(): "str", ("str",): "str", ("region",): "region", ("endpoint",): "endpoint"},
    "choice": {(): "choice", ("choice",): "choice"},
}


def _field_validators(cls: type[BaseModel]) -> dict[str, list[tuple[str, str]]]:
    """Each field's validators as (name, mode); a name is qualified unless the model's own
    (an override elsewhere is not known)."""
    home = f"{model.Profile.__module__}.{model.Profile.__qualname__}:{id(model.Profile)}"
    validators: dict[str, list[tuple[str, str]]] = {}
    for name, decorator in cls.__pydantic_decorators__.field_validators.items():
        known_name = name if decorator.cls_ref == home else f"{decorator.cls_ref}.{name}"
        for field in decorator.info.fields:
            validators.setdefault(field, []).append((known_name, decorator.info.mode))
    return validators


def _plain(info: FieldInfo) -> bool:
    """True for a field without constraints or an alias, defaulting to None, {} or []."""
    default_ok = (info.default is None and info.default_factory is None) or (
        info.default_factory in (dict, list)
    )
    return default_ok and not info.metadata and not info.alias


def _kind(shape: str, validators: list[tuple[str, str]]) -> str:
    """The fast kind of a field of ``shape`` with ``validators``; defer for any unknown."""
    known = [_KNOWN_VALIDATORS.get(v) for v in validators]
    names = tuple(name for name in known if name is not None)
    if len(names) < len(known):
        return "defer"
    return _KIND_BY_VALIDATORS.get(shape, {}).get(names, "defer")


def field_kinds(cls: type[BaseModel]) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every field of ``cls``: its fast kind and choices."""
    validators = _field_validators(cls)
    kinds: dict[str, tuple[str, tuple[str, ...]]] = {}
    for name, info in cls.model_fields.items():
        shape, choices = _shape(info.annotation)
        kind = _kind(shape, validators.get(name, [])) if _plain(info) else "defer"
        kinds[name] = (kind, choices)
    return kinds


def _fast_allowed(cls: type[BaseModel]) -> bool:
    config = cls.model_config
    return (
        not cls.__pydantic_decorators__.model_validators
        and config.get("extra") == "forbid"
        and config.get("str_strip_whitespace") is True
    )


def _q(text: str) -> str:
    """A string literal as ruff formats it (double quotes)."""
    return json.dumps(text)


def _tuple(items: tuple[str, ...]) -> str:
    inner = ", ".join(_q(item) for item in items)
    return f"({inner},)" if len(items) == 1 else f"({inner})"


def render() -> str:
    """The text of ``profile_table.py``."""
    kinds = field_kinds(model.Profile)
    lines = [
        '"""Generated from ``resolver.config.model`` by ``python -m resolver.config.fastgen``.',
        "",
        "Do not edit: a test fails when this table and the model disagree.",
        '"""',
        "",
        f"FAST = {_fast_allowed(model.Profile)!r}",
        "PROFILE_KEYS = frozenset(",
        "    {",
        *(f"        {_q(name)}," for name in sorted(model.PROFILE_KEYS)),
        "    }",
        ")",
        "SSO_SESSION_KEYS = frozenset(",
        "    {",
        *(f"        {_q(name)}," for name in sorted(model.SSO_SESSION_KEYS)),
        "    }",
        ")",
        "TOML_ONLY_KEYS = frozenset(",
        "    {",
        *(f"        {_q(name)}," for name in sorted(model.TOML_ONLY_KEYS)),
        "    }",
        ")",
        "# Fields the model leaves out of its repr (secrets).",
        "HIDDEN = frozenset(",
        "    {",
        *(
            f"        {_q(name)},"
            for name, info in model.Profile.model_fields.items()
            if not info.repr
        ),
        "    }",
        ")",
        "# Profile fields in the model's order: (kind, choices).",
        "FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {",
        *(f"    {_q(name)}: ({_q(kind)}, {_tuple(spec)})," for name, (kind, spec) in kinds.items()),
        "}",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TABLE.write_text(render())
    print(f"wrote {TABLE}")
