"""One shared STS client per endpoint, each call signed by its own caller."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from resolver.chain.planner import plan_chain
from resolver.config.loading import load_profiles
from resolver.providers.bases.static import StaticProvider
from resolver.providers.executor import build_provider
from resolver.providers.sts import pool as sts_pool
from resolver.providers.sts.caller import CallerBoundStsClient
from resolver.providers.sts.factory import StsTarget
from tests.conftest import IsolatedEnv
from tests.moto_support import TEST_ACCESS_KEY_ID, TEST_SECRET_ACCESS_KEY, MotoServer

ACCOUNT = "123456789012"
CHAIN = f"""
[profile base]
aws_access_key_id = {TEST_ACCESS_KEY_ID}
aws_secret_access_key = {TEST_SECRET_ACCESS_KEY}
[profile a]
source_profile = base
role_arn = arn:aws:iam::{ACCOUNT}:role/a
[profile b]
source_profile = a
role_arn = arn:aws:iam::{ACCOUNT}:role/b
[profile c]
source_profile = b
role_arn = arn:aws:iam::{ACCOUNT}:role/c
"""


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[StsTarget]:
    """Every client the pool builds, by target; the pool starts empty."""
    sts_pool.clear()
    targets: list[StsTarget] = []
    real = sts_pool.make_lite_client

    def counting(target: StsTarget, *, signed: bool) -> Any:
        targets.append(target)
        return real(target, signed=signed)

    monkeypatch.setattr(sts_pool, "make_lite_client", counting)
    yield targets
    sts_pool.clear()


def test_a_chain_builds_one_client_and_every_hop_signs_with_its_caller(
    moto: MotoServer,
    isolated_env: IsolatedEnv,
    monkeypatch: pytest.MonkeyPatch,
    built: list[StsTarget],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto.url)
    isolated_env.aws_config_file.parent.mkdir(parents=True, exist_ok=True)
    isolated_env.aws_config_file.write_text(CHAIN)
    final = build_provider(plan_chain(load_profiles(None, os.environ), "c")).retrieve()
    calls = moto.sts_calls()
    assert [call.action for call in calls] == ["AssumeRole"] * 3
    assert len(built) == 1 and built[0].endpoint_url == moto.url
    signers = [call.access_key_id for call in calls]
    assert signers[0] == TEST_ACCESS_KEY_ID
    assert len(set(signers)) == 3 and final.access_key_id not in signers
    # hop 2 and 3 are signed by sessions: each carries its own session token
    assert calls[0].session_token is None
    assert calls[1].session_token and calls[2].session_token
    assert calls[1].session_token != calls[2].session_token


def test_concurrent_callers_on_one_client_each_sign_with_their_own_keys(
    moto: MotoServer, built: list[StsTarget]
) -> None:
    target = StsTarget("us-east-1", moto.url)
    count = 8
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def call(index: int) -> None:
        key = f"AKIATHREAD{index:010d}"
        client = CallerBoundStsClient(StaticProvider(key, "secret"), target)
        barrier.wait()
        try:
            for _ in range(3):
                client.assume_role(
                    RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RoleSessionName=f"t{index}"
                )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    calls = moto.sts_calls()
    assert len(calls) == 3 * count and len(built) == 1
    for sent in calls:
        index = int(sent.params["RoleSessionName"][1:])
        assert sent.access_key_id == f"AKIATHREAD{index:010d}"


def test_a_call_with_no_bound_credentials_is_refused_before_it_is_sent(
    moto: MotoServer, built: list[StsTarget]
) -> None:
    client = sts_pool.shared_sts_client(StsTarget("us-east-1", moto.url), signed=True)
    with pytest.raises(sts_pool.UnboundCallError):
        client.call("GetCallerIdentity", {}, None)
    assert moto.sts_calls() == []


def test_unsigned_calls_use_their_own_client_and_send_no_signature(
    moto: MotoServer, built: list[StsTarget]
) -> None:
    target = StsTarget("us-east-1", moto.url)
    signed = sts_pool.shared_sts_client(target, signed=True)
    unsigned = sts_pool.shared_sts_client(target, signed=False)
    assert signed is not unsigned and len(built) == 2
    assert sts_pool.shared_sts_client(target, signed=True) is signed


def test_a_changed_ca_bundle_or_proxy_gets_a_new_client(
    built: list[StsTarget], tmp_path: Any
) -> None:
    from resolver.providers.sts.factory import transport_environment

    def target(environ: dict[str, str]) -> StsTarget:
        return StsTarget("us-east-1", "http://127.0.0.1:9", transport_environment(environ))

    first = sts_pool.shared_sts_client(target({}), signed=True)
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    environ = {"AWS_CA_BUNDLE": str(bundle)}
    second = sts_pool.shared_sts_client(target(environ), signed=True)
    environ["HTTPS_PROXY"] = "http://127.0.0.1:9"
    third = sts_pool.shared_sts_client(target(environ), signed=True)
    assert len({id(first), id(second), id(third)}) == 3
