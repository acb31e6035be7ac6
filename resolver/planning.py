"""Planning as the library and the CLI do it: the chain, a credential_process loop
through rolechain refused, the files' other problems reported as warnings, and a
missing profile that ``AWS_PROFILE`` named said to come from there."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from resolver.errors import ResolverError

if TYPE_CHECKING:
    from resolver.chain.overrides import Overrides
    from resolver.chain.types import Chain
    from resolver.config.profiles import ProfileSet


def checked_plan(
    profiles: ProfileSet,
    name: str,
    overrides: Overrides | None,
    files: tuple[str | None, Mapping[str, str]],
    from_environment: bool,
) -> Chain:
    """``plan_chain`` and a credential_process loop through rolechain refused
    (``resolver.cli.selfcalls``; ``files``: the config and environment the profiles
    were loaded with), then the files' other problems as warnings (``report_problems``);
    ``from_environment``: the name came from ``AWS_PROFILE``, which a missing one says."""
    from resolver.chain.planner import plan_chain
    from resolver.cli.selfcalls import refuse_process_loop
    from resolver.config.loading import report_problems

    try:
        chain = plan_chain(profiles, name, overrides)
        refuse_process_loop(chain, profiles, *files)
    except ResolverError as exc:
        report_problems(profiles, exc)
        if from_environment and exc.reason in ("missing-profile", "no-profiles"):
            raise named_by_environment(exc, name) from None
        raise
    report_problems(profiles)
    return chain


def named_by_environment(exc: ResolverError, name: str) -> ResolverError:
    """``exc`` (no such profile) saying that ``AWS_PROFILE`` named it, suggestion kept."""
    said = f"AWS_PROFILE names profile {name!r}, which does not exist"
    if exc.reason == "missing-profile":  # keep its "; did you mean X?"
        return type(exc)(said + exc.message.partition(f"{name!r}")[2], reason=exc.reason)
    return type(exc)(f"{said} ({exc.message})", reason=exc.reason)
