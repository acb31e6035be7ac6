"""``rolechain convert``: the same profiles written as TOML or as an AWS config file.

Both writers start from validated profiles, so a round trip INI -> TOML -> INI yields
identical plans. Keys rolechain does not own (``output``, ``cli_pager``, ``s3 =``
blocks...) pass through unchanged: in TOML as the profile's ``aws`` table, in INI as
keys. Secrets are left out, with a comment where each was, unless ``include_secrets``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from resolver.config.model import PROFILE_KEYS, TOML_ONLY_KEYS
from resolver.config.profiles import ProfileSet
from resolver.errors import ConfigError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
SECRET_KEYS = frozenset(
    {"aws_secret_access_key", "aws_session_token", "aws_security_token", "web_identity_token"}
)
"""Keys whose values are secrets: left out unless asked for."""
KEY_PAIR = frozenset({"aws_access_key_id", "aws_secret_access_key"})
"""What ``credential_store = "keyring"`` replaces."""
PASS_THROUGH = "aws"
"""The TOML profile table that holds the keys rolechain does not own."""


class Converted:
    """Output text and what the user should hear about: secrets left out, keys dropped."""

    def __init__(self) -> None:
        self.text = ""
        self.left_out: list[str] = []
        self.dropped: list[str] = []
        self.native: list[str] = []  # credential_process commands written as a native base


def _profile_values(profiles: ProfileSet, name: str) -> dict[str, Any]:
    entry = profiles.get(name)
    assert entry is not None
    return entry.data.model_dump(exclude_defaults=True)


def _foreign_values(profiles: ProfileSet, name: str, report: Converted) -> dict[str, Any]:
    """The keys of ``name`` that rolechain does not own, as strings or string tables."""
    section = profiles.raw(name)
    if section is None:
        return {}
    values = section.plain()
    if section.format == "toml":
        values = values.get(PASS_THROUGH) or {}
        if not isinstance(values, Mapping):
            report.dropped.append(f"profile {name}: {PASS_THROUGH} (not a table)")
            return {}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if section.format != "toml" and key in PROFILE_KEYS:
            continue
        if isinstance(value, Mapping) and all(
            not isinstance(v, (Mapping, list)) for v in value.values()
        ):
            out[key] = {str(k): _text(v) for k, v in value.items()}
        elif isinstance(value, (str, int, float, bool)):
            out[key] = _text(value)
        else:
            report.dropped.append(f"profile {name}: {key}")
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _split_secrets(
    name: str, values: dict[str, Any], include: bool, report: Converted
) -> tuple[dict[str, Any], list[str]]:
    """``values`` without secrets (unless ``include``), and the keys left out."""
    if include:
        return values, []
    left = [key for key in values if key in SECRET_KEYS]
    report.left_out += [f"profile {name}: {key}" for key in left]
    return {k: v for k, v in values.items() if k not in SECRET_KEYS}, left


def _note(key: str) -> str:
    return f"# {key}: left out (a secret); convert with --include-secrets to keep it"


def _sso_values(profiles: ProfileSet, name: str) -> dict[str, Any]:
    session = profiles.sso_session(name)
    return {} if session is None else session.model_dump(exclude_defaults=True)


def to_toml(
    profiles: ProfileSet,
    include_secrets: bool = False,
    *,
    names: list[str] | None = None,
    keyring: frozenset[str] = frozenset(),
    document: bool = True,
) -> Converted:
    """The profiles (``names``, default all), sso-sessions and services as rolechain TOML.

    With ``names``, only the sso-sessions and services those profiles use; profiles in
    ``keyring`` get ``credential_store = "keyring"`` in place of their key pair. Without
    ``document``, only the profile tables (to append to an existing file)."""
    report = Converted()
    chosen = profiles.names() if names is None else names
    out = ["# Written by `rolechain convert --to toml`.", "version = 1"] if document else []
    if document:
        out += _shared_tables(profiles, None if names is None else _used(profiles, chosen))
    for name in chosen:
        owned = native_roles_anywhere(name, _profile_values(profiles, name), report)
        if name in keyring:
            owned = {k: v for k, v in owned.items() if k not in KEY_PAIR}
            owned["credential_store"] = "keyring"
        owned, left = _split_secrets(name, owned, include_secrets, report)
        foreign, left_foreign = _split_secrets(
            name, _foreign_values(profiles, name, report), include_secrets, report
        )
        out += ["", f"[profiles.{_toml_key(name)}]"]
        out += [_note(key) for key in (*left, *left_foreign)]
        owned, table = roles_anywhere_table(owned)
        out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in owned.items()]
        if table:
            out += [f"[profiles.{_toml_key(name)}.roles_anywhere]"]
            out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()]
        if foreign:
            out += [f"[profiles.{_toml_key(name)}.{PASS_THROUGH}]"]
            out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in foreign.items()]
    report.text = "\n".join(out).lstrip("\n") + "\n"
    return report


def _used(profiles: ProfileSet, names: list[str]) -> tuple[set[str], set[str]]:
    """The sso-sessions and services sections ``names`` refer to."""
    values = [_profile_values(profiles, name) for name in names]
    return (
        {v["sso_session"] for v in values if v.get("sso_session")},
        {v["services"] for v in values if v.get("services")},
    )


def _shared_tables(profiles: ProfileSet, used: tuple[set[str], set[str]] | None) -> list[str]:
    """The TOML tables of the sso-sessions and services (``used``: only those)."""
    out: list[str] = []
    for name in profiles.sso_session_names():
        if used is None or name in used[0]:
            out += ["", f"[sso_sessions.{_toml_key(name)}]"]
            out += [
                f"{_toml_key(k)} = {_toml_value(v)}" for k, v in _sso_values(profiles, name).items()
            ]
    for name in profiles.services_names():
        if used is not None and name not in used[1]:
            continue
        for service, settings in (profiles.services(name) or {}).items():
            if isinstance(settings, Mapping):
                out += ["", f"[services.{_toml_key(name)}.{_toml_key(service)}]"]
                out += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in settings.items()]
    return out


def to_ini(
    profiles: ProfileSet, include_secrets: bool = False, *, names: list[str] | None = None
) -> Converted:
    """The profiles (``names``, default all, with the sso-sessions and services they use),
    as one AWS shared config file; ConfigError (one line naming section and key, never
    the value) for a value INI cannot hold."""
    try:
        return _to_ini(profiles, include_secrets, names)
    except ValueError as exc:  # from dump_ini: its message names section and key only
        raise ConfigError(f"cannot convert to INI: {exc}") from None


def _to_ini(profiles: ProfileSet, include_secrets: bool, names: list[str] | None) -> Converted:
    from resolver.config.sources.ini_write import dump_ini

    report = Converted()
    chunks = []
    chosen = profiles.names() if names is None else names
    sso, services = _used(profiles, chosen)
    for name in chosen:
        values = {**_profile_values(profiles, name), **_foreign_values(profiles, name, report)}
        for key in [k for k in values if k in TOML_ONLY_KEYS]:  # the INI files ignore them
            report.dropped.append(f"profile {name}: {key} (TOML only)")
            del values[key]
        kept, left = _split_secrets(name, values, include_secrets, report)
        text = dump_ini({name: _ini_values(kept)})
        header, _, body = text.partition("\n")
        chunks.append("\n".join([header, *(_note(key) for key in left), body]).rstrip("\n") + "\n")
    rest = dump_ini(
        {},
        sso_sessions={
            name: _ini_values(_sso_values(profiles, name))
            for name in profiles.sso_session_names()
            if names is None or name in sso
        },
        services={
            name: profiles.services(name) or {}
            for name in profiles.services_names()
            if names is None or name in services
        },
    )
    report.text = "\n".join(chunk for chunk in (*chunks, rest) if chunk)
    return report


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


def native_roles_anywhere(name: str, values: dict[str, Any], report: Converted) -> dict[str, Any]:
    """``values`` with an ``aws_signing_helper credential-process`` command replaced by the
    native roles-anywhere keys it stands for (``resolver.config.signing_helper``)."""
    from resolver.config.durations import parse_duration
    from resolver.config.signing_helper import native_keys

    command = values.get("credential_process")
    keys = native_keys(command) if isinstance(command, str) else None
    if keys is None or values.get("role_arn"):
        return values
    native: dict[str, Any] = dict(keys)
    duration = keys.get("roles_anywhere_session_duration")
    if duration is not None:
        try:
            native["roles_anywhere_session_duration"] = parse_duration(duration)
        except ValueError:
            return values
    report.native.append(name)
    out = {k: v for k, v in values.items() if k != "credential_process"}
    return {**out, **native}


def roles_anywhere_table(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``roles_anywhere_*`` keys taken out as the TOML ``roles_anywhere`` table."""
    prefix = "roles_anywhere_"
    table = {k[len(prefix) :]: v for k, v in values.items() if k.startswith(prefix)}
    return {k: v for k, v in values.items() if not k.startswith(prefix)}, table


toml_key = _toml_key  # a TOML key: bare when it can be, else a basic string
toml_value = _toml_value  # a TOML value (strings as basic strings, DEL escaped)
