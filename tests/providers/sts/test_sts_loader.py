"""botocore's loader without the scan of every service directory: same models, same errors."""

from __future__ import annotations

import os
from typing import Any

import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader

from resolver.providers.sts.factory import StsTarget, make_sts_client
from resolver.providers.sts.loader import direct_loader


def counted_listdirs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    real = os.listdir

    def listdir(path: Any = ".") -> list[str]:
        seen.append(str(path))
        return real(path)

    monkeypatch.setattr(os, "listdir", listdir)
    return seen


@pytest.mark.parametrize("type_name", ["service-2", "endpoint-rule-set-1"])
def test_it_loads_the_same_sts_models_as_botocore_with_a_fraction_of_the_listing(
    type_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock, direct = Loader(), direct_loader(Loader())
    seen = counted_listdirs(monkeypatch)
    expected = stock.load_service_model("sts", type_name)
    stock_listings = len(seen)
    seen.clear()
    assert direct.load_service_model("sts", type_name) == expected
    assert stock_listings > 100 and len(seen) < 10


def test_an_unknown_service_or_model_type_still_fails_as_in_botocore() -> None:
    direct = direct_loader(Loader())
    with pytest.raises(UnknownServiceError):
        direct.load_service_model("no-such-service", "service-2")
    with pytest.raises(UnknownServiceError):
        direct.load_service_model("sts", "no-such-model-1")
    assert "sts" in direct.list_available_services("service-2")  # the full list as before


def test_the_sts_clients_session_uses_it() -> None:
    client = make_sts_client(None, StsTarget("us-east-1", "http://127.0.0.1:9"))
    assert client.meta.service_model.service_name == "sts"
    from resolver.providers.sts import factory as sts_factory

    loader = sts_factory._botocore_session().get_component("data_loader")
    assert type(loader).__name__ == "DirectLoader"
