"""Loading configuration: which files, and which profile."""

from __future__ import annotations

import os
from collections.abc import Mapping

from resolver.config.profiles import ProfileSet
from resolver.errors import ConfigError


def selected_profile(name: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The profile to use: the argument, else ``AWS_PROFILE``, else ``default``."""
    environ = os.environ if environ is None else environ
    return name or environ.get("AWS_PROFILE") or "default"


def load_profiles(
    config: str | None = None,
    environ: Mapping[str, str] | None = None,
    problems: list[ConfigError] | None = None,
) -> ProfileSet:
    """Read the AWS shared files and the rolechain TOML file (``config`` overrides its path),
    as ``environ`` names them. With ``problems``, problems of the TOML file are appended
    there and what they affect is left out (``validate``); without it, the first raises."""
    environ = os.environ if environ is None else environ
    from resolver.config.sources.files import ini_paths, load_ini
    from resolver.config.sources.tomlfile import load_toml

    toml = load_toml(config, problems, environ)
    return ProfileSet(load_ini(*ini_paths(environ)), toml, problems)
