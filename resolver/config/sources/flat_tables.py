"""TOML profile tables that stand for prefixed INI keys: ``[profiles.NAME.roles_anywhere]``
``certificate = ...`` is the INI ``roles_anywhere_certificate = ...``. Spread before
``extends`` merges, so a profile inherits each key of a template's table it does not set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from resolver.config.findings import Location
from resolver.config.sources.raw import RawValue
from resolver.errors import ConfigError

FLAT_TABLES = ("roles_anywhere",)


def flat_tables(
    values: dict[str, RawValue],
    keys: tuple[str, ...],
    where: Callable[..., Location],
    profile: str | None,
) -> dict[str, RawValue]:
    """``values`` with each of ``FLAT_TABLES`` spread into its prefixed keys (each at its
    own line); a value that is no table is a ConfigError."""
    for name in FLAT_TABLES:
        raw = values.pop(name, None)
        if raw is None:
            continue
        table: Any = raw.value
        if not isinstance(table, dict):
            at = raw.location
            message = f"'{name}' must be a table such as [profiles.NAME.{name}]"
            raise ConfigError(message, file=at.file, line=at.line, profile=profile)
        for key, value in table.items():
            values[f"{name}_{key}"] = RawValue(value, where(*keys, name, key))
    return values
