"""What names a step in the disk cache, and what a chain's ready answer depends on.

``dependency_stamp`` is the one description of what a chain's base reads besides its
configuration and environment: the web identity token (by the sha256 of its bytes),
the key id ``rolechain keys`` recorded for a keyring entry, and a credential_process's
program (the file ``PATH`` finds for a bare name, the working directory for a relative
path). The hop cache key (``step_material``, ``base_identity``) is built from it, and
``rolechain export`` stores it in its ready answer (``resolver.cache.answers``), which
re-checks every value before serving; so a token rewritten at the same path sends both
to STS. A base named by credentials that only a network call returns (container, IMDS,
login, the default chain) has no stamp (None): its chains get no ready answer.

Keys cover everything that changes the result: the STS parameters (a configured
RoleSessionName, or the marker ``generated``; never a token code), the STS endpoint and
region, and the caller's identity: the previous step's key, or the base's.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.cache.depends import dependency_value
from resolver.cache.keyring_lock import key_id_path, recorded_key_id
from resolver.cache.stamps import Dependency
from resolver.chain.paths import (
    SEARCHED,
    command_depends_on_working_directory,
    command_program,
    program_location,
)
from resolver.chain.types import (
    LONG_TERM_KEY_SOURCES,
    ContainerSource,
    DefaultChainSource,
    InstanceMetadataSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    SsoSource,
    StaticSource,
    WebIdentitySource,
)
from resolver.providers.executor import Step
from resolver.stscreds.assume_role import AssumeRoleProvider
from resolver.stscreds.credentials import CredentialsProvider

if TYPE_CHECKING:
    from resolver.cache.persistent import CachedStep

GENERATED = "generated"
"""Stands in the key for a RoleSessionName generated afresh on every call."""

Material = dict[str, Any]
Source = Any  # one of resolver.chain.types' sources

# Named by credentials fetched over the network: no cheap re-check, so no ready answer.
FETCHED_SOURCES = (ContainerSource, InstanceMetadataSource, LoginSource, DefaultChainSource)


def dependency_names(
    source: Source, environ: Mapping[str, str], directory: Path | None
) -> tuple[tuple[str, str], ...] | None:
    """(kind, name) of each dependency of ``source`` (see ``resolver.cache.depends``),
    or None when one cannot be re-checked on the warm path (``FETCHED_SOURCES``)."""
    if isinstance(source, FETCHED_SOURCES):
        return None
    if isinstance(source, WebIdentitySource):
        path = os.path.abspath(os.path.expanduser(source.web_identity_token_file))
        return (("file", path),)
    if isinstance(source, KeyringSource):
        return (("file", str(key_id_path(directory, source.profile))),) if directory else None
    if isinstance(source, ProcessSource):
        names: list[tuple[str, str]] = []
        if command_depends_on_working_directory(source.command, environ.get("PATH", "")):
            names.append(("cwd", ""))
        program = command_program(source.command)
        if program and program_location(program) == SEARCHED:
            names.append(("program", program))
        return tuple(names)
    return ()


def dependency_stamp(
    source: Source, environ: Mapping[str, str], directory: Path | None = None
) -> tuple[Dependency, ...] | None:
    """``source``'s dependencies with their values now (None: see ``dependency_names``);
    ``directory``: the cache directory, where keyring key ids are recorded."""
    names = dependency_names(source, environ, directory)
    if names is None:
        return None
    return tuple((kind, name, dependency_value(kind, name, environ)) for kind, name in names)


def _target(step: Step) -> list[str | None]:
    target = step.target
    return [target.region, target.endpoint_url] if target is not None else [None, None]


def _caller_identity(step: Step) -> Callable[[], str] | None:
    identity = getattr(step.caller, "identity", None)
    return identity if callable(identity) else None


def step_material(
    provider: CredentialsProvider,
    step: Step,
    directory: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Callable[[], Material] | None:
    """How to describe ``step`` for its key, or None if it is not cached on disk
    (``directory``: the cache directory, where keyring key ids are recorded)."""
    env = os.environ if environ is None else environ
    source = step.source
    if step.hop is not None:
        caller = _caller_identity(step)
        if caller is None or not isinstance(provider, AssumeRoleProvider):
            return None
        params = provider.request()
        params["RoleSessionName"] = provider.role_session_name or GENERATED
        params.pop("TokenCode", None)
        fixed = {"kind": "assume-role", "params": params, "target": _target(step)}
        return lambda: {**fixed, "caller": caller()}
    if isinstance(source, LONG_TERM_KEY_SOURCES) and source.mfa_serial:
        return lambda: {
            "kind": "session-token",
            "access_key_id": source.access_key_id
            if isinstance(source, StaticSource)
            else _long_term_identity(source, directory),
            "serial": source.mfa_serial,
            "duration": getattr(provider, "duration_seconds", source.mfa_duration_seconds),
            "target": _target(step),
        }
    if isinstance(source, WebIdentitySource):
        if getattr(provider, "token_retriever", None) is None:
            return None
        return lambda: {  # the token by its sha256: two tokens at one path never share
            "kind": "web-identity",
            "role_arn": source.role_arn,
            "depends": dependency_stamp(source, env, directory),
            "role_session_name": source.role_session_name or GENERATED,
            "duration": source.duration_seconds,
            "policy": source.policy,
            "policy_arns": list(source.policy_arns),
            "target": _target(step),
        }
    if isinstance(source, SsoSource):
        return lambda: {
            "kind": "sso",
            "start_url": source.sso_start_url,
            "sso_region": source.sso_region,
            "sso_session": source.sso_session,
            "account_id": source.sso_account_id,
            "role_name": source.sso_role_name,
        }
    return None


def base_identity(
    step: Step, directory: Path | None = None, environ: Mapping[str, str] | None = None
) -> Callable[[CachedStep], str]:
    """The identity of a base kept in memory only: the access key id it signs with.

    Environment, container and instance credentials are fetched for it (locally, without
    a prompt), so hosts sharing a cache directory never share each other's hops. A
    credential_process is named by its command and ``dependency_stamp`` instead (the
    program ``PATH`` finds, the working directory for a relative program such as
    ``./bin/creds`` or ``~/bin/creds``): running it just to name it could prompt.
    """
    env = os.environ if environ is None else environ
    source = step.source
    if isinstance(source, LONG_TERM_KEY_SOURCES):
        return lambda _: _long_term_identity(source, directory)
    if isinstance(source, ProcessSource):
        return lambda _: (
            f"credential-process:{source.profile}:{source.command}:"
            f"{dependency_stamp(source, env, directory)}"
        )
    return lambda cached: f"{source.kind}:{cached.retrieve().access_key_id}"


def _long_term_identity(source: StaticSource | KeyringSource, directory: Path | None) -> str:
    """Static keys: their access key id. Keyring keys: the entry's name and the key id
    ``rolechain keys`` recorded for it, so a warm run and a waiting process never read
    the keyring just to name the caller (see ``resolver.cache.keyring_lock``)."""
    if isinstance(source, KeyringSource):
        recorded = recorded_key_id(directory, source.profile) if directory else ""
        return f"keyring:rolechain/{source.profile}:{recorded}"
    return f"static:{source.access_key_id}"
