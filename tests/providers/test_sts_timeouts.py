"""STS connect and read timeouts suited to a credential call, configurable and bounded."""

from __future__ import annotations

import pytest

from resolver.errors import ConfigError
from resolver.providers.sts_factory import (
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    StsTarget,
    make_sts_client,
)


def test_defaults_are_seconds_not_botocores_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROLECHAIN_STS_CONNECT_TIMEOUT", raising=False)
    monkeypatch.delenv("ROLECHAIN_STS_READ_TIMEOUT", raising=False)
    config = make_sts_client(None, StsTarget("us-east-1", "http://127.0.0.1:9")).meta.config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT, READ_TIMEOUT)
    assert READ_TIMEOUT < 60


def test_timeouts_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLECHAIN_STS_CONNECT_TIMEOUT", "1.5")
    monkeypatch.setenv("ROLECHAIN_STS_READ_TIMEOUT", "4")
    config = make_sts_client(None, StsTarget("us-east-1", "http://127.0.0.1:9")).meta.config
    assert (config.connect_timeout, config.read_timeout) == (1.5, 4.0)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "121", "nan", "inf"])
def test_a_bad_timeout_is_a_config_error_naming_the_variable(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLECHAIN_STS_READ_TIMEOUT", value)
    with pytest.raises(ConfigError, match="ROLECHAIN_STS_READ_TIMEOUT"):
        make_sts_client(None, StsTarget("us-east-1", "http://127.0.0.1:9"))
