"""Loading configuration: which files, and which profile."""

from __future__ import annotations

from collections.abc import Mapping

from resolver.config.profiles import ProfileSet
from resolver.errors import ConfigError


def selected_profile(name: str | None, environ: Mapping[str, str]) -> str:
    """The profile to use: the argument, else ``AWS_PROFILE``, else ``default``."""
    return name or environ.get("AWS_PROFILE") or "default"


def load_profiles(
    config: str | None,
    environ: Mapping[str, str],
    problems: list[ConfigError] | None = None,
) -> ProfileSet:
    """Read the AWS shared files and the rolechain TOML file (``config`` overrides its path),
    as ``environ`` names them. With ``problems``, problems of the TOML file are appended
    there and what they affect is left out (``validate``); without it, the first raises."""
    from resolver.config.sources.files import ini_paths, load_ini
    from resolver.config.sources.tomlfile import load_toml

    toml = load_toml(config, problems, environ)
    return ProfileSet(load_ini(*ini_paths(environ)), toml, problems)
