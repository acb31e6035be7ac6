"""``rolechain convert``: the same profiles written as TOML or as an AWS config file.

Both writers start from validated profiles, so a round trip INI -> TOML -> INI yields
identical plans. Values keep the user's secrets: converting a file is the user's request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from resolver.config.model import TOML_ONLY_KEYS
from resolver.config.profiles import ProfileSet

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _profile_values(profiles: ProfileSet, name: str) -> dict[str, Any]:
    entry = profiles.get(name)
    assert entry is not None
    return entry.data.model_dump(exclude_defaults=True)


def _sso_values(profiles: ProfileSet, name: str) -> dict[str, Any]:
    session = profiles.sso_session(name)
    return {} if session is None else session.model_dump(exclude_defaults=True)


def to_toml(profiles: ProfileSet) -> str:
    """The profiles, sso-sessions and services as rolechain TOML."""
    out = ["# Written by `rolechain convert --to toml`.", "version = 1"]
    for name in profiles.sso_session_names():
        out += ["", f"[sso_sessions.{_toml_key(name)}]"]
        out += [
            f"{_toml_key(k)} = {_toml_value(v)}" for k, v in _sso_values(profiles, name).items()
        ]
    for name in profiles.services_names():
        for service, settings in (profiles.services(name) or {}).items():
            if isinstance(settings, Mapping):
                out += ["", f"[services.{_toml_key(name)}.{_toml_key(service)}]"]
                out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in settings.items()]
    for name in profiles.names():
        out += ["", f"[profiles.{_toml_key(name)}]"]
        out += [
            f"{_toml_key(k)} = {_toml_value(v)}" for k, v in _profile_values(profiles, name).items()
        ]
    return "\n".join(out) + "\n"


def to_ini(profiles: ProfileSet) -> str:
    """The profiles, sso-sessions and services as one AWS shared config file (without
    the TOML-only keys)."""
    from resolver.config.sources.ini import dump_ini

    return dump_ini(
        {  # TOML-only keys (console_browser) would be ignored there: left out
            name: _ini_values(
                {
                    k: v
                    for k, v in _profile_values(profiles, name).items()
                    if k not in TOML_ONLY_KEYS
                }
            )
            for name in profiles.names()
        },
        sso_sessions={
            name: _ini_values(_sso_values(profiles, name)) for name in profiles.sso_session_names()
        },
        services={name: profiles.services(name) or {} for name in profiles.services_names()},
    )


def _ini_values(values: Mapping[str, Any]) -> dict[str, str | dict[str, str]]:
    out: dict[str, str | dict[str, str]] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            out[key] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, list):
            out[key] = ",".join(value)
        else:
            out[key] = str(value)
    return out


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):  # JSON strings are TOML basic strings, but for DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
