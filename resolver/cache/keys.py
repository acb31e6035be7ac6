"""How the caches name a step, from its ``StepKey``: the disk key, the caller identity
and the ready answer's dependency stamp. Generic: what each kind of base depends on is
decided once, by its builder (``resolver.providers.bases.built``).

A step's ``StepKey.depends`` (the web identity token by the sha256 of its bytes, the key
id file ``rolechain keys`` records for a keyring entry, a credential_process's program
and working directory) enters the disk key, the identity the next hop's key names a base
by, and the stamp ``rolechain export`` stores in its ready answer
(``resolver.cache.answers``), which re-checks every value before serving: so a token
rewritten at the same path sends both to STS. A base named by credentials that only a
network call returns (container, IMDS, login, the default chain) has no stamp (None):
its chains get no ready answer.

Keys cover everything that changes the result: the STS parameters (a configured
RoleSessionName, or the marker ``generated``; never a token code), the STS endpoint and
region, and the caller's identity: the previous step's key, or the base's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from resolver.cache.stamps import Dependency, dependency_value
from resolver.providers.bases.built import GENERATED as GENERATED
from resolver.providers.bases.built import StepKey
from resolver.providers.executor import Step

if TYPE_CHECKING:
    from resolver.cache.persistent import CachedStep

Material = dict[str, Any]


def dependency_stamp(key: StepKey, environ: Mapping[str, str]) -> tuple[Dependency, ...] | None:
    """``key``'s dependencies with their values now (None: a fetched base, which no
    warm run can re-check)."""
    if key.depends is None:
        return None
    return tuple((kind, name, dependency_value(kind, name, environ)) for kind, name in key.depends)


def _environ(step: Step) -> Mapping[str, str]:
    return step.ctx.environ


def _caller_identity(step: Step) -> Callable[[], str] | None:
    identity = getattr(step.caller, "identity", None)
    return identity if callable(identity) else None


def step_material(step: Step) -> Callable[[], Material] | None:
    """How to describe ``step`` for its disk key (``StepKey.material``, the values of
    its dependencies, a hop's caller), or None if it is not cached on disk."""
    key, environ = step.key, _environ(step)
    if key.material is None:
        return None
    fixed = dict(key.material)
    if step.hop is not None:
        caller = _caller_identity(step)
        if caller is None:
            return None
        return lambda: {**fixed, "caller": caller()}
    if key.depends:  # e.g. the token by its sha256: two tokens at one path never share
        return lambda: {**fixed, "depends": dependency_stamp(key, environ)}
    return lambda: fixed


def base_identity(step: Step) -> Callable[[CachedStep], str]:
    """The identity of a base kept in memory only, for the next hop's key: the name its
    ``StepKey`` gives (with the values of its dependencies), else the access key id its
    credentials carry. Environment, container and instance credentials are fetched for
    it (locally, without a prompt), so hosts sharing a cache directory never share each
    other's hops; a credential_process is named by its command instead (running it just
    to name it could prompt), long-term keys by their key id."""
    key, environ, kind = step.key, _environ(step), step.source.kind
    caller = key.caller
    if caller is None:
        return lambda cached: f"{kind}:{cached.retrieve().access_key_id}"
    if not key.depends:
        return lambda _: caller
    return lambda _: f"{caller}:{dependency_stamp(key, environ)}"
