"""Plan a chain from configuration text, as a user's files hold it (INI config and
credentials files, a rolechain TOML file, an environment), through the real loader."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from resolver.chain.overrides import Overrides
from resolver.chain.planner import plan_chain
from resolver.chain.types import Chain
from resolver.config.loading import load_profiles, selected_profile

Text = str | Sequence[str]  # a file's text, or its lines


def _text(text: Text) -> str:
    return text if isinstance(text, str) else "".join(f"{line}\n" for line in text)


def write_files(
    directory: Path,
    *,
    ini: Text = "",
    credentials: Text = "",
    toml: Text = "",
    env: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, str]]:
    """Write the three files under ``directory``; the TOML path and the environment that
    names the INI files (``env`` applied over it)."""
    paths = {name: directory / name for name in ("config", "credentials", "rolechain.toml")}
    for (_, path), text in zip(paths.items(), (ini, credentials, toml), strict=True):
        path.write_text(_text(text), encoding="utf-8")
    environ = {
        "HOME": str(directory),
        "AWS_CONFIG_FILE": str(paths["config"]),
        "AWS_SHARED_CREDENTIALS_FILE": str(paths["credentials"]),
        **(env or {}),
    }
    return str(paths["rolechain.toml"]), environ


def plan_text(
    directory: Path,
    profile: str | None,
    *,
    ini: Text = "",
    credentials: Text = "",
    toml: Text = "",
    env: Mapping[str, str] | None = None,
    overrides: Overrides | None = None,
) -> Chain:
    """The chain ``plan_chain`` builds for ``profile`` (None: the environment's choice)."""
    config, environ = write_files(directory, ini=ini, credentials=credentials, toml=toml, env=env)
    profiles = load_profiles(config, environ)
    return plan_chain(profiles, selected_profile(profile, environ), overrides)
