"""The ``Context``: the surroundings of a resolution, read once from a given environment."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from resolver.context import Context
from resolver.errors import ConfigError


def test_a_context_reads_only_the_environment_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLECHAIN_CACHE_DIR", "/process/cache")
    monkeypatch.setenv("ROLECHAIN_LOCK_TIMEOUT", "1")
    monkeypatch.setenv("ROLECHAIN_NO_CACHE", "1")
    given = {"HOME": str(tmp_path), "ROLECHAIN_LOCK_TIMEOUT": "7.5"}
    ctx = Context.build(given, cwd="/work")
    assert ctx.cache_dir == f"{tmp_path}/.cache/rolechain"
    assert (ctx.cache_enabled, ctx.lock_timeout, ctx.cwd) == (True, 7.5, "/work")
    assert ctx.expand("~/x") == f"{tmp_path}/x"
    assert ctx.sts_timeouts == (5.0, 15.0)
    off = dataclasses.replace(ctx, cache_enabled=False)  # --no-cache
    assert not off.cache_enabled and off.environ is ctx.environ


def test_a_context_copies_the_process_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLECHAIN_LOCK_TIMEOUT", "3")
    ctx = Context.build()
    monkeypatch.setenv("ROLECHAIN_LOCK_TIMEOUT", "9")
    assert ctx.lock_timeout == 3.0 and ctx.environ["ROLECHAIN_LOCK_TIMEOUT"] == "3"


@pytest.mark.parametrize("value", ["0", "-1", "121", "soon", "nan"])
def test_an_invalid_sts_timeout_is_refused_when_sts_is_needed(value: str) -> None:
    ctx = Context.build({"ROLECHAIN_STS_READ_TIMEOUT": value}, cwd="/")
    with pytest.raises(ConfigError) as caught:
        ctx.sts_timeouts  # noqa: B018 - the property raises
    assert caught.value.reason == "invalid-sts-timeout"
    assert "ROLECHAIN_STS_READ_TIMEOUT" in str(caught.value)


def test_the_context_never_shows_the_environment() -> None:
    ctx = Context.build({"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG"}, cwd="/")
    assert "wJalr" not in repr(ctx)
