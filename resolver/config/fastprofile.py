"""The fast path for INI profiles: the model's rules, read from its generated table.

Validating one INI profile with pydantic costs its import and the build of the model's
validator, about 90 ms of a run that plans a chain. Every INI value is a string, and the
model does one of a few things with each key (``resolver.config.profile_table``, generated
from the model). ``fast_profile`` does the same for the values it is sure of, and returns
None for anything else: a key the table marks ``defer``, a value the model could reject
or treat in a way the table does not describe. The caller then validates with pydantic,
so every error message is pydantic's own. ``tests/config/test_fastprofile.py`` proves
the two paths agree on generated profiles (accepted values and normalised output).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from resolver.config.durations import parse_duration
from resolver.config.profile_table import FAST, FIELDS, HIDDEN
from resolver.config.spellings import parse_tag_string, split_list
from resolver.config.values import endpoint_problem, region_problem

_CHECKS = {"region": region_problem, "endpoint": endpoint_problem}

_EMPTY: dict[str, Any] = {"tags": {}, "list": []}


def _default(kind: str) -> Any:
    empty = _EMPTY.get(kind)
    return None if empty is None else type(empty)()


class FastProfile:
    """A validated profile with the model's attributes (read-only), built without pydantic."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        spec = FIELDS.get(name)
        if spec is None:
            raise AttributeError(name)
        values: dict[str, Any] = object.__getattribute__(self, "_values")
        return values[name] if name in values else _default(spec[0])

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __repr__(self) -> str:
        """As the model's repr: every field but the secrets it hides."""
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in FIELDS if name not in HIDDEN
        )
        return f"FastProfile({shown})"

    @property
    def policy_json(self) -> Any:
        """The inline policy parsed, or None."""
        policy = self._values.get("policy")
        return json.loads(policy) if policy else None

    def model_dump(self, *, exclude_defaults: bool = False) -> dict[str, Any]:
        """Every field in the model's order, as ``Profile.model_dump`` gives it."""
        dumped: dict[str, Any] = {}
        for name, (kind, _) in FIELDS.items():
            value = getattr(self, name)
            if not exclude_defaults or value != _default(kind):
                dumped[name] = value
        return dumped


def fast_profile(data: Mapping[str, object], format: str) -> FastProfile | None:
    """The profile of an INI section's ``data``, or None: leave it to pydantic."""
    if not FAST or format != "ini":
        return None
    values: dict[str, Any] = {}
    for key, raw in data.items():
        spec = FIELDS.get(key)
        if spec is None or not isinstance(raw, str):
            return None
        kind, choices = spec
        try:
            if kind == "str":
                values[key] = raw.strip()
            elif kind in _CHECKS:
                if _CHECKS[kind](raw.strip()) is not None:
                    return None  # pydantic words the error
                values[key] = raw.strip()
            elif kind == "choice" and raw in choices:
                values[key] = raw
            elif kind == "duration":
                values[key] = parse_duration(raw)
            elif kind == "tags":
                values[key] = parse_tag_string(raw)
            elif kind == "list":
                values[key] = split_list(raw)
            else:
                return None
        except ValueError:
            return None  # pydantic words the error
    return FastProfile(values)
