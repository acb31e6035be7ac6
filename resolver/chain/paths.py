"""Which values of a chain name a path relative to the working directory: a chain that
has one resolves differently in another directory, so what is cached for it in memory
must be keyed by the directory too (``resolver.api``). Pure: no I/O."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Iterator

from resolver.chain.types import Chain, ProcessSource, WebIdentitySource


def is_relative_path(value: str) -> bool:
    """True for a non-empty path that is neither absolute nor under ``~``."""
    return bool(value) and not os.path.isabs(os.path.expanduser(value))


def _program(command: str) -> str:
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    return words[0] if words else ""


def is_relative_program(command: str) -> bool:
    """True when ``command``'s program is a relative path (``./bin/creds``), which the
    working directory decides; a bare name is looked up on ``PATH`` instead."""
    program = _program(command)
    return os.sep in program and is_relative_path(program)


def _commands_and_paths(chain: Chain) -> Iterator[tuple[str, str]]:
    source = chain.source
    if isinstance(source, WebIdentitySource):
        yield "path", source.web_identity_token_file
    if isinstance(source, ProcessSource):
        yield "command", source.command
    if mfa := getattr(source, "mfa_process", None):
        yield "command", mfa
    for hop in chain.hops:
        if hop.mfa_process:
            yield "command", hop.mfa_process


def depends_on_working_directory(
    chain: Chain, paths: Iterable[str | None] = (), search_path: str = ""
) -> bool:
    """True when ``chain`` (or one of ``paths``: the config files and cache directory
    named by argument or environment) resolves relative to the working directory, or when
    ``search_path`` (``PATH``) has a relative entry through which a bare program name in
    a command of the chain could resolve."""
    if any(path and is_relative_path(path) for path in paths):
        return True
    entries = search_path.split(os.pathsep) if search_path else []  # unset: the absolute default
    relative_search = any(not os.path.isabs(entry) for entry in entries)  # "" is the cwd too
    for kind, value in _commands_and_paths(chain):
        if kind == "path" and is_relative_path(value):
            return True
        if kind == "command" and (relative_search or is_relative_program(value)):
            return True
    return False
