"""Build in-memory profile sets for planner tests, without touching any file."""

from __future__ import annotations

from typing import Any

from resolver.config.findings import Location
from resolver.config.profiles import ProfileSet
from resolver.config.sources.raw import RawConfig, RawSection, RawValue

KEYS = {"aws_access_key_id": "AKIDBASE", "aws_secret_access_key": "base-secret"}


def section(name: str, values: dict[str, Any], *, line: int = 1, fmt: str = "ini") -> RawSection:
    """A raw section whose keys sit on consecutive lines after ``line``."""
    raw = {
        key: RawValue(value, Location("config", line + offset + 1))
        for offset, (key, value) in enumerate(values.items())
    }
    return RawSection(name, Location("config", line), fmt, raw)  # type: ignore[arg-type]


def profile_set(
    profiles: dict[str, dict[str, Any]],
    *,
    sso_sessions: dict[str, dict[str, Any]] | None = None,
    services: dict[str, dict[str, Any]] | None = None,
) -> ProfileSet:
    """A ProfileSet of INI-style sections (string values) laid out 100 lines apart."""
    sections = {
        name: section(name, values, line=index * 100 + 1)
        for index, (name, values) in enumerate(profiles.items())
    }
    return ProfileSet(
        RawConfig(
            profiles=sections,
            sso_sessions={n: section(n, v) for n, v in (sso_sessions or {}).items()},
            services={n: section(n, v) for n, v in (services or {}).items()},
            files=("config",),
        )
    )
