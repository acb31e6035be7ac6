"""The library's surface renders no environment: ``help()`` and signatures show no secrets."""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import pydoc
from collections.abc import Iterator
from typing import Any

import pytest

import resolver

CANARY = "wJalrXUtnFEMI/K7MDENG/SIGNATURECANARY"


def every_function() -> Iterator[tuple[str, Any]]:
    """Every function and method defined in the package's modules."""
    for info in pkgutil.walk_packages(resolver.__path__, "resolver."):
        if info.name == "resolver.__main__":
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(value):
                yield f"{module.__name__}.{name}", value
            elif inspect.isclass(value):
                for attr, member in vars(value).items():
                    if inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attr}", member


def test_no_signature_defaults_to_the_environment() -> None:
    offenders = [
        name
        for name, function in every_function()
        for parameter in inspect.signature(function).parameters.values()
        if parameter.default is os.environ
    ]
    assert offenders == []


@pytest.mark.parametrize("name", resolver.__all__)
def test_help_of_public_names_shows_no_environment_value(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CANARY)
    value = getattr(resolver, name)

    text = pydoc.render_doc(value, renderer=pydoc.plaintext)
    if callable(value) and not inspect.isclass(value):
        text += str(inspect.signature(value))

    assert CANARY not in text
    assert "environ({" not in text
