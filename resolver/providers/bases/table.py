"""The table of bases: each ``Source`` kind to the builder at the end of its module.

The one place a base kind is wired: ``build`` returns the provider and its ``StepKey``
(``resolver.providers.bases.built``). Outside ``resolver.providers.bases`` only the
executor comes here (``tests/test_layout.py``). A new kind fails ``mypy`` at
``assert_never`` until it has its row.
"""

from __future__ import annotations

from resolver.chain.types import (
    ContainerSource,
    DefaultChainSource,
    EnvironmentSource,
    InstanceMetadataSource,
    KeyringSource,
    LoginSource,
    ProcessSource,
    RolesAnywhereSource,
    SamlSource,
    Source,
    SsoSource,
    StaticSource,
    WebIdentitySource,
    assert_never,
)
from resolver.providers.bases import (
    container,
    default_chain,
    environment,
    imds,
    keyring_store,
    login,
    process,
    roles_anywhere,
    saml,
    sso,
    static,
    web_identity,
)
from resolver.providers.bases.built import Built, Inputs


def build(source: Source, inputs: Inputs) -> Built:
    """The provider of ``source`` and its ``StepKey``."""
    match source:
        case StaticSource():
            return static.build(source, inputs)
        case KeyringSource():
            return keyring_store.build(source, inputs)
        case EnvironmentSource():
            return environment.build(source, inputs)
        case InstanceMetadataSource():
            return imds.build(source, inputs)
        case ContainerSource():
            return container.build(source, inputs)
        case WebIdentitySource():
            return web_identity.build(source, inputs)
        case SsoSource():
            return sso.build(source, inputs)
        case LoginSource():
            return login.build(source, inputs)
        case ProcessSource():
            return process.build(source, inputs)
        case DefaultChainSource():
            return default_chain.build(source, inputs)
        case SamlSource():
            return saml.build(source, inputs)
        case RolesAnywhereSource():
            return roles_anywhere.build(source, inputs)
        case _:
            assert_never(source)
