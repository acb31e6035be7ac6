"""Cache work grows linearly with the chain: one prune per run, one lock per hop."""

from __future__ import annotations

import os
from collections import Counter

import pytest

from resolver.cache.locks import KeyLock
from resolver.cache.persistent import persistent_cache
from resolver.cache.store import CacheStore
from resolver.chain.planner import plan_chain
from resolver.config.loading import load_profiles
from resolver.providers.executor import build_provider
from tests.conftest import IsolatedEnv
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

HOPS = 10


def chain_config(hops: int) -> str:
    text = (
        f"[profile h0]\naws_access_key_id = {TEST_ACCESS_KEY_ID}\n"
        f"aws_secret_access_key = {TEST_SECRET_ACCESS_KEY}\n"
    )
    for index in range(1, hops + 1):
        text += (
            f"[profile h{index}]\nsource_profile = h{index - 1}\n"
            f"role_arn = arn:aws:iam::123456789012:role/h{index}\n"
        )
    return text


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the cache prunes, reads an entry and tries a lock."""
    counts: Counter[str] = Counter()
    for cls, name in ((CacheStore, "prune"), (CacheStore, "read"), (KeyLock, "try_acquire")):
        real = getattr(cls, name)

        def counting(self: object, *args: object, _real=real, _name=name) -> object:  # type: ignore[no-untyped-def]
            counts[_name] += 1
            return _real(self, *args)

        monkeypatch.setattr(cls, name, counting)
    return counts


def test_a_cold_ten_hop_chain_prunes_once_and_locks_each_hop_once(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    monkeypatch: pytest.MonkeyPatch,
    counted: Counter[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(chain_config(HOPS))
    build_provider(
        plan_chain(load_profiles(None, os.environ), f"h{HOPS}"), wrap=persistent_cache
    ).retrieve()
    assert [call.action for call in moto.sts_calls()] == ["AssumeRole"] * HOPS
    assert counted["prune"] == 1
    assert counted["try_acquire"] <= 2 * HOPS  # the hops' own locks, then prune's (one each)
    assert counted["read"] <= 3 * HOPS  # read, re-read under the lock, prune's read
    # the entries are all there: a second process is served from disk, with no STS call
    moto.reset_recording()
    counted.clear()
    build_provider(
        plan_chain(load_profiles(None, os.environ), f"h{HOPS}"), wrap=persistent_cache
    ).retrieve()
    assert moto.sts_calls() == [] and counted["prune"] == 0 and counted["try_acquire"] == 0
