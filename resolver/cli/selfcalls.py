"""A ``credential_process`` that runs rolechain itself (``rolechain export X``, ``python
-m resolver export X``, with global flags): which profile it asks for, and whether
following such commands comes back to a profile already on the way (a loop, found
before any process runs). The words are read with ``export``'s own flag tables."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from resolver.chain.paths import command_argv
from resolver.chain.types import Chain, ProcessSource
from resolver.cli.fastpath import export_request
from resolver.errors import ChainError, ResolverError

if TYPE_CHECKING:
    from resolver.config.profiles import ProfileSet

MAX_FOLLOWED = 16  # as resolver.providers.bases.process.MAX_NESTED_PROCESSES

Target = tuple[str | None, str | None]
"""The profile a command exports (None: the environment's choice) and its ``--config``."""


def rolechain_target(command: str) -> Target | None:
    """What ``command`` asks rolechain for, or None when it runs anything else."""
    try:
        argv = command_argv(command)
    except ValueError:
        return None
    if isinstance(argv, str):  # Windows: CreateProcess's own rules; not followed
        return None
    words = _rolechain_words(argv)
    return None if words is None else _export_target(words)


def _rolechain_words(argv: Sequence[str]) -> Sequence[str] | None:
    """The words after ``rolechain`` or ``python [-flags] -m resolver``."""
    if not argv:
        return None
    program = os.path.basename(argv[0]).removesuffix(".exe")
    if program == "rolechain":
        return argv[1:]
    if not program.startswith("python"):
        return None
    index = 1
    while index < len(argv) and argv[index].startswith("-") and argv[index] != "-m":
        if argv[index].startswith("-m"):  # -mresolver
            return argv[index + 1 :] if argv[index] == "-mresolver" else None
        index += 1
    if argv[index : index + 2] == ["-m", "resolver"]:
        return argv[index + 2 :]
    return None


def _export_target(words: Sequence[str]) -> Target | None:
    """The profile and ``--config`` of ``export``'s words, read as argparse would read them
    (``fastpath.export_request``'s one grammar); None when they are no export."""
    request = export_request(words, answerable=False)
    return None if request is None else (request[0], request[1])


PlanOf = Callable[[str, str | None], Chain]
"""Plans a profile with a ``--config`` (None: the caller's)."""


def process_loop(chain: Chain, plan_of: PlanOf, environ: Mapping[str, str]) -> list[str] | None:
    """The steps of a loop that ``chain``'s credential_process starts by running rolechain
    for a profile already on the way (``a runs `rolechain export b```...), else None.
    A chain that cannot be planned ends the walk: resolving it will say why."""
    visited = set(_profiles(chain))
    steps: dict[str, str] = {}  # the profile whose command runs -> the step
    current = chain
    for _ in range(MAX_FOLLOWED):
        source = current.source
        if not isinstance(source, ProcessSource):
            return None
        target = rolechain_target(source.command)
        if target is None:
            return None
        if source.profile in steps:  # this command again: the loop is complete
            return list(steps.values())
        name = target[0] or environ.get("AWS_PROFILE") or "default"
        steps[source.profile] = f"{source.profile} runs `rolechain export {name}`"
        if name in visited:
            return list(steps.values())
        try:
            current = plan_of(name, target[1])
        except ResolverError:
            return None
        visited.update(_profiles(current))
    return None


def loop_error(source: ProcessSource, steps: list[str]) -> ChainError:
    """The one-line error for ``process_loop``'s steps, at the command's line."""
    where = source.where.get("credential_process")
    return ChainError(
        f"credential_process loop: {', '.join(steps)}",
        file=where.file if where else None,
        line=where.line if where else None,
        profile=source.profile,
        key="credential_process",
        reason="credential-loop",
    )


def refuse_process_loop(
    chain: Chain, profiles: ProfileSet, config: str | None, environ: Mapping[str, str]
) -> None:
    """Raise ``loop_error`` when ``chain``'s credential_process comes back to it through
    rolechain; ``profiles``: those loaded with ``config``."""
    from resolver.chain.planner import plan_chain
    from resolver.config.loading import load_profiles

    def plan_of(name: str, given: str | None) -> Chain:
        same = given is None and config is None
        return plan_chain(profiles if same else load_profiles(given, environ), name)

    steps = process_loop(chain, plan_of, environ)
    if steps and isinstance(chain.source, ProcessSource):
        raise loop_error(chain.source, steps)


def _profiles(chain: Chain) -> list[str]:
    names = [chain.profile, *(hop.profile for hop in chain.hops)]
    return [*names, chain.source.profile] if chain.source.profile else names
