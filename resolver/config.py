"""Loading configuration: which files, which profile, and the plan for it."""

from __future__ import annotations

import os
from collections.abc import Mapping

from resolver.chain import Chain
from resolver.profiles import ProfileSet


def selected_profile(name: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The profile to use: the argument, else ``AWS_PROFILE``, else ``default``."""
    return name or environ.get("AWS_PROFILE") or "default"


def load_profiles(config: str | None = None, environ: Mapping[str, str] = os.environ) -> ProfileSet:
    """Read the AWS shared files and the rolechain TOML file (``config`` overrides its path),
    as ``environ`` names them."""
    from resolver.sources.ini import ini_paths, load_ini
    from resolver.sources.tomlfile import load_toml, toml_path

    return ProfileSet(load_ini(*ini_paths(environ)), load_toml(toml_path(config, environ)))


def plan(profile: str | None = None, *, config: str | None = None) -> Chain:
    """The checked ``Chain`` for ``profile`` (see ``selected_profile``)."""
    from resolver.plan import plan_chain

    return plan_chain(load_profiles(config), selected_profile(profile))
