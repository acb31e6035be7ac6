"""The table of bases: each ``Source`` kind to the builder at the end of its module.

The one place a base kind is wired: ``build`` returns the provider and its ``StepKey``
(``resolver.providers.bases.built``). Outside ``resolver.providers.bases`` only the
executor comes here (``tests/test_layout.py``). A new kind fails ``mypy`` at
``assert_never`` until it has its row. Each arm imports its base module, so a chain loads
only the bases it runs through (the others pull in ``http.client``, XML, subprocess...).
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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from resolver.providers.bases.built import Built, Inputs


def build(source: Source, inputs: Inputs) -> Built:
    """The provider of ``source`` and its ``StepKey``."""
    match source:
        case StaticSource():
            from resolver.providers.bases import static

            return static.build(source, inputs)
        case KeyringSource():
            from resolver.providers.bases import keyring_store

            return keyring_store.build(source, inputs)
        case EnvironmentSource():
            from resolver.providers.bases import environment

            return environment.build(source, inputs)
        case InstanceMetadataSource():
            from resolver.providers.bases import imds

            return imds.build(source, inputs)
        case ContainerSource():
            from resolver.providers.bases import container

            return container.build(source, inputs)
        case WebIdentitySource():
            from resolver.providers.bases import web_identity

            return web_identity.build(source, inputs)
        case SsoSource():
            from resolver.providers.bases import sso

            return sso.build(source, inputs)
        case LoginSource():
            from resolver.providers.bases import login

            return login.build(source, inputs)
        case ProcessSource():
            from resolver.providers.bases import process

            return process.build(source, inputs)
        case DefaultChainSource():
            from resolver.providers.bases import default_chain

            return default_chain.build(source, inputs)
        case SamlSource():
            from resolver.providers.bases import saml

            return saml.build(source, inputs)
        case RolesAnywhereSource():
            from resolver.providers.bases import roles_anywhere

            return roles_anywhere.build(source, inputs)
        case _:
            assert_never(source)
