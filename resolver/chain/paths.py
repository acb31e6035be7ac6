"""Which values of a chain name a path relative to the working directory: a chain that
has one resolves differently in another directory, so what is cached for it in memory
must be keyed by the directory too (``resolver.api``). Pure: no I/O."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Iterator

from resolver.chain.types import (
    Chain,
    ContainerSource,
    DefaultChainSource,
    EnvironmentSource,
    InstanceMetadataSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    RolesAnywhereSource,
    SamlSource,
    SsoSource,
    StaticSource,
    WebIdentitySource,
    assert_never,
)


def is_relative_path(value: str) -> bool:
    """True for a non-empty path that is neither absolute nor under ``~``."""
    return bool(value) and not os.path.isabs(os.path.expanduser(value))


def command_argv(command: str) -> list[str] | str:
    """The argv a command runs, split as botocore's ``credential_process`` splits it:
    ``shlex.split`` on POSIX, run without a shell, so no ``~``, ``$VAR`` or glob is
    expanded; on Windows the string goes to ``CreateProcess`` as is. ValueError if it
    cannot be split (an unbalanced quote). Every consumer of a command uses this."""
    if os.name == "nt":
        return command
    return shlex.split(command)


def command_program(command: str) -> str:
    """The program ``command`` runs (its argv[0]), "" when empty or unparsable."""
    try:
        argv = command_argv(command)
    except ValueError:
        return ""  # never runs: it depends on nothing
    if isinstance(argv, str):
        words = shlex.split(argv, posix=False) if argv.strip() else []
        return words[0].strip('"') if words else ""
    return argv[0] if argv else ""


ABSOLUTE, RELATIVE, SEARCHED = "absolute", "relative", "searched"


def program_location(program: str) -> str:
    """How the system finds ``program``: ``absolute``; ``relative`` to the working
    directory when it holds a separator (``./creds``, ``bin/creds``, and ``~/bin/creds``,
    which no one expands: it runs ``./~/bin/creds``); else ``searched`` on ``PATH``."""
    if os.path.isabs(program):
        return ABSOLUTE
    separators = (os.sep, os.altsep) if os.altsep else (os.sep,)
    return RELATIVE if any(s in program for s in separators) else SEARCHED


def is_relative_program(command: str) -> bool:
    """True when ``command``'s program is a relative path (``./bin/creds``), which the
    working directory decides; a bare name is looked up on ``PATH`` instead."""
    return program_location(command_program(command)) == RELATIVE


def relative_search_path(search_path: str) -> bool:
    """True when ``PATH`` has an entry relative to the working directory ("" is the
    working directory too); an unset or empty ``PATH`` is the absolute default."""
    entries = search_path.split(os.pathsep) if search_path else []
    return any(not os.path.isabs(entry) for entry in entries)


def command_depends_on_working_directory(command: str, search_path: str) -> bool:
    """True when the working directory decides which program ``command`` runs."""
    program = command_program(command)
    if not program:
        return False
    where = program_location(program)
    return where == RELATIVE or (where == SEARCHED and relative_search_path(search_path))


def _commands_and_paths(chain: Chain) -> Iterator[tuple[str, str]]:
    source = chain.source
    match source:
        case WebIdentitySource():
            yield "path", source.web_identity_token_file
        case ProcessSource():
            yield "command", source.command
        case SamlSource():
            yield "command", source.saml_process
        case RolesAnywhereSource():
            for path in (source.certificate, source.private_key, source.certificate_chain):
                if path:
                    yield "path", path
        case StaticSource() | KeyringSource():
            if source.mfa_process:
                yield "command", source.mfa_process
        case (
            EnvironmentSource()
            | InstanceMetadataSource()
            | ContainerSource()
            | SsoSource()
            | LoginSource()
            | DefaultChainSource()
        ):
            pass
        case _:
            assert_never(source)
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
    for kind, value in _commands_and_paths(chain):
        if kind == "path" and is_relative_path(value):
            return True
        if kind == "command" and command_depends_on_working_directory(value, search_path):
            return True
    return False
