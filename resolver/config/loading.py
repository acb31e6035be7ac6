"""Loading configuration: which files, and which profile."""

from __future__ import annotations

import logging
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
    as ``environ`` names them.

    With ``problems`` (``validate``), every problem of the files is appended there and
    what it affects is left out. Without it, a file that cannot be read or parsed raises;
    a problem in a profile fails only that profile and the chains through it (see
    ``ProfileSet``), and ``report_problems`` shows the rest as warnings.
    """
    from resolver.config.sources.files import ini_paths, load_ini
    from resolver.config.sources.tomlfile import load_toml

    found: list[ConfigError] = [] if problems is None else problems
    toml = load_toml(config, found, environ)
    if problems is None and toml.broken is not None:
        raise toml.broken
    ini = load_ini(*ini_paths(environ))
    return ProfileSet(ini, toml, found, block=problems is None)


_reported: set[str] = set()
logger = logging.getLogger("rolechain")


def report_problems(profiles: ProfileSet, raised: BaseException | None = None) -> None:
    """Each problem found loading ``profiles`` as a warning on stderr (logging), once per
    process, with its file:line; not ``raised``, which the caller is raising."""
    for finding in profiles.warnings(raised):
        text = str(finding)
        if text not in _reported:
            _reported.add(text)
            logger.warning("rolechain: %s", text)
