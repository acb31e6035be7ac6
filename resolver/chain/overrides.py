"""Per-run overrides: tags, transitive keys, source identity and duration for one hop.

``export``, ``exec`` (and its server) take ``--tag K=V``, ``--transitive-tag K``,
``--source-identity ID``, ``--duration 1h`` and ``--hop PROFILE``;
``ROLECHAIN_SESSION_TAGS=k=v,k2=v2`` and ``ROLECHAIN_SOURCE_IDENTITY`` do the same for
tools that cannot pass flags (flags win). ``apply_overrides`` is a pure function from a
``Chain`` to a ``Chain``: the planner then runs the same static STS checks as for the
files. A changed hop's AssumeRole parameters change its cache key, and every hop above it
is keyed by its caller, so an overridden run never shares an entry with a plain one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from resolver.chain.types import Chain
from resolver.config.durations import parse_duration
from resolver.config.findings import Location
from resolver.errors import ChainError, ConfigError
from resolver.records import Record, replace

ORIGIN = Location("command line")
"""Where an overridden value comes from, as findings and errors show it."""
MAX_OVERRIDE_TAGS = 50


class Overrides(Record):
    """What one run changes on one hop (the final one unless ``hop`` names another)."""

    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    duration_seconds: int | None = None
    hop: str | None = None

    def __bool__(self) -> bool:
        return any(
            (
                self.tags,
                self.transitive_tag_keys,
                self.source_identity,
                self.duration_seconds,
                self.hop,
            )
        )


def _tag(text: str, where: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"{where}: expected KEY=VALUE, got {text!r}", reason="invalid-override")
    return key.strip(), value.strip()


def parse_overrides(
    tags: Sequence[str] = (),
    transitive: Sequence[str] = (),
    source_identity: str | None = None,
    duration: str | None = None,
    hop: str | None = None,
    *,
    environ: Mapping[str, str],
) -> Overrides:
    """The overrides of one run, from its flags and ``environ`` (flags win)."""
    env_tags = environ.get("ROLECHAIN_SESSION_TAGS", "").strip()
    merged: dict[str, tuple[str, str]] = {}
    if env_tags:
        for item in env_tags.split(","):
            key, value = _tag(item, "ROLECHAIN_SESSION_TAGS")
            merged[key.lower()] = (key, value)
    for item in tags:
        key, value = _tag(item, "--tag")
        merged[key.lower()] = (key, value)
    if len(merged) > MAX_OVERRIDE_TAGS:
        message = f"too many session tags given for this run (at most {MAX_OVERRIDE_TAGS})"
        raise ConfigError(message, reason="invalid-override")
    identity = source_identity or environ.get("ROLECHAIN_SOURCE_IDENTITY", "").strip() or None
    seconds = None
    if duration is not None:
        try:
            seconds = parse_duration(duration)
        except ValueError as exc:
            raise ConfigError(f"--duration: {exc}", reason="invalid-override") from None
    keys = tuple(dict.fromkeys(key.strip() for key in transitive if key.strip()))
    return Overrides(tuple(merged.values()), keys, identity, seconds, hop or None)


def apply_overrides(chain: Chain, overrides: Overrides) -> Chain:
    """``chain`` with ``overrides`` applied to the final hop, or to ``overrides.hop``.

    A tag given for a key the hop already has replaces it (keys are case-insensitive in
    STS). Each changed key is recorded in ``Hop.overridden`` for ``explain``.
    """
    if not overrides:
        return chain
    if not chain.hops:
        raise ChainError(
            f"profile {chain.profile} assumes no role, so there is no hop to override",
            profile=chain.profile,
            reason="no-hop-to-override",
        )
    index = len(chain.hops) - 1
    if overrides.hop is not None:
        names = [hop.profile for hop in chain.hops]
        if overrides.hop not in names:
            raise ChainError(
                f"--hop {overrides.hop}: not a role hop of profile {chain.profile} "
                f"(hops: {', '.join(names)})",
                profile=chain.profile,
                reason="unknown-hop",
            )
        index = names.index(overrides.hop)
    target = chain.hops[index]
    changes: dict[str, object] = {}
    marked: list[str] = []
    if overrides.tags:
        given = {key.lower() for key, _ in overrides.tags}
        kept = tuple((k, v) for k, v in target.tags if k.lower() not in given)
        changes["tags"] = kept + overrides.tags
        marked.append("session_tags")
    if overrides.transitive_tag_keys:
        keys = dict.fromkeys((*target.transitive_tag_keys, *overrides.transitive_tag_keys))
        changes["transitive_tag_keys"] = tuple(keys)
        marked.append("transitive_session_tags")
    if overrides.source_identity is not None:
        changes["source_identity"] = overrides.source_identity
        marked.append("source_identity")
    if overrides.duration_seconds is not None:
        changes["duration_seconds"] = overrides.duration_seconds
        marked.append("duration_seconds")
    where = {**target.where, **dict.fromkeys(marked, ORIGIN)}
    overridden = tuple(dict.fromkeys((*target.overridden, *marked)))
    hop = replace(target, **changes, overridden=overridden, where=where)
    hops = (*chain.hops[:index], hop, *chain.hops[index + 1 :])
    return replace(chain, hops=hops)
