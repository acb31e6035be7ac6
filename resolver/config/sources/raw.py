"""Raw configuration: sections of key/value pairs with their file:line, before validation.

Both sources (INI and TOML) produce these; ``resolver.config.model`` validates them. Values are
``str`` for INI (``dict[str, str]`` for a sub-property block) and typed for TOML.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from resolver.config.findings import Finding, Location
from resolver.config.secrets import redact
from resolver.errors import ConfigError
from resolver.records import Record, field

SourceFormat = Literal["ini", "toml"]


class RawValue(Record, frozen=False):
    """One property value and where it was written (the line of its key)."""

    value: Any
    location: Location


class RawSection(Record, frozen=False):
    """A profile, sso-session or services section after merging repeated definitions."""

    name: str
    location: Location
    format: SourceFormat
    values: dict[str, RawValue] = field(default_factory=dict)

    def __repr__(self) -> str:
        shown = {key: redact(key, raw.value) for key, raw in self.values.items()}
        return f"RawSection(name={self.name!r}, location={self.location}, values={shown!r})"

    __str__ = __repr__

    def plain(self) -> dict[str, Any]:
        """The values without locations."""
        return {key: raw.value for key, raw in self.values.items()}

    def where(self) -> dict[str, Location]:
        """Each key's location."""
        return {key: raw.location for key, raw in self.values.items()}


class RawConfig(Record, frozen=False):
    """Everything the sources read: sections by kind, and warnings about ignored input.

    The mappings may be lazy (a section body is parsed on first access), so listing the
    names of a 50,000-profile file stays cheap.
    """

    profiles: Mapping[str, RawSection] = field(default_factory=dict)
    sso_sessions: Mapping[str, RawSection] = field(default_factory=dict)
    services: Mapping[str, RawSection] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    files: tuple[str, ...] = ()
    broken: ConfigError | None = None  # the error that kept a whole file from being read
