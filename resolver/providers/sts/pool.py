"""One botocore STS client per STS endpoint, shared by every hop, each call signed by
exactly its own caller's credentials.

A botocore client costs an endpoint resolver, a retry handler, an HTTP connection pool
and, over TLS, a load of the CA bundle for every new connection. Building one per hop (as
boto3 does) repeats all of that for every role in a chain. Here each endpoint gets one
client, and the credentials that sign a call are given per call: ``signed_by`` binds them
to the current context (a ``contextvars`` variable, so threads and nested hops never see
each other's), and a ``before-sign`` handler hands them to botocore's signer as the
request's credentials (``request.context['signing']['request_credentials']``). The client
itself holds placeholder keys that no STS accepts, and the handler refuses to let a call
go out unbound, so a call can never be signed by a neighbour's or a default identity.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from resolver.providers.sts.factory import StsTarget, make_sts_client, target_environment

if TYPE_CHECKING:
    from resolver.stscreds.credentials import Credentials

MAX_CLIENTS = 32

_signer: contextvars.ContextVar[Any] = contextvars.ContextVar("rolechain_sts_signer")
_lock = threading.Lock()
_clients: dict[tuple[object, ...], Any] = {}


class UnboundCallError(RuntimeError):
    """A pooled client was about to send a signed call with no credentials bound."""


def _placeholder() -> Credentials:
    """Keys no STS accepts: what a call would carry if the handler were ever bypassed."""
    from resolver.stscreds.credentials import Credentials

    return Credentials("ROLECHAIN-UNBOUND", "never-sent")


def _sign_with_bound(request: Any, **_: Any) -> None:
    """``before-sign`` handler: the context's credentials sign this request."""
    credentials = _signer.get(None)
    if credentials is None:
        raise UnboundCallError("an STS call on a shared client had no caller credentials")
    request.context.setdefault("signing", {})["request_credentials"] = credentials


def shared_sts_client(target: StsTarget, *, signed: bool) -> Any:
    """The process's botocore STS client for ``target`` (signed or unsigned calls), one per
    target and environment it was resolved in (what the client is built from)."""
    key = (target.region, target.endpoint_url, signed, tuple(target_environment(target).items()))
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:  # one build per key, even when threads race for it
        client = _clients.get(key)
        if client is None:
            client = make_sts_client(_placeholder() if signed else None, target)
            if signed:
                client.meta.events.register("before-sign.sts", _sign_with_bound)
            if len(_clients) >= MAX_CLIENTS:
                _clients.clear()
            _clients[key] = client
        return client


@contextmanager
def signed_by(credentials: Credentials | None) -> Iterator[None]:
    """Calls made on a shared client inside the block are signed by ``credentials``."""
    if credentials is None:
        yield
        return
    from botocore.credentials import ReadOnlyCredentials

    frozen = _Frozen(
        ReadOnlyCredentials(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        )
    )
    token = _signer.set(frozen)
    try:
        yield
    finally:
        _signer.reset(token)


class _Frozen:
    """What botocore's signer asks of a credentials object: ``get_frozen_credentials``."""

    __slots__ = ("_frozen",)

    def __init__(self, frozen: Any) -> None:
        self._frozen = frozen

    def get_frozen_credentials(self) -> Any:
        return self._frozen

    def __repr__(self) -> str:
        return f"_Frozen(access_key_id={self._frozen.access_key:s})"


def clear() -> None:
    """Forget every shared client (tests; a fork)."""
    with _lock:
        _clients.clear()
