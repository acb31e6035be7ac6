"""A base's dependencies, through its builder's ``StepKey`` (``resolver.providers.bases``),
as the hop cache and the ready answer see them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from resolver.cache import keys
from resolver.cache.stamps import Dependency
from resolver.chain.types import Chain, Source
from resolver.context import Context
from resolver.providers.bases.built import DependencyName, StepKey
from resolver.providers.executor import base_key


def source_key(
    source: Source, environ: Mapping[str, str], directory: Path | None = None
) -> StepKey:
    """``source``'s ``StepKey`` in ``environ`` (``directory``: the cache directory)."""
    ctx = Context.build(environ)
    if directory is not None:
        ctx = replace(ctx, cache_dir=str(directory))
    return base_key(Chain(profile="p", source=source), ctx)


def dependency_names(
    source: Source, environ: Mapping[str, str], directory: Path | None = None
) -> tuple[DependencyName, ...] | None:
    """What ``source`` depends on, by name (None: fetched, not re-checkable)."""
    return source_key(source, environ, directory).depends


def dependency_stamp(
    source: Source, environ: Mapping[str, str], directory: Path | None = None
) -> tuple[Dependency, ...] | None:
    """``source``'s dependencies with their values now."""
    return keys.dependency_stamp(source_key(source, environ, directory), environ)
