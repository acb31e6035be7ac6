"""One STS client per STS endpoint, shared by every hop, each call signed by exactly its
own caller's credentials.

A client costs an HTTP connection pool and, over TLS, a load of the CA bundle for every
new connection. Building one per hop (as boto3 does) repeats that for every role in a
chain. Here each endpoint gets one ``LiteStsClient`` (botocore's signer, serializer,
parser and retries, without a botocore Session or client), and the credentials that sign
a call are given with the call. The client holds no keys of its own, and a signed client
refuses a call given none (``UnboundCallError``), so a call can never be signed by a
neighbour's or a default identity.
"""

from __future__ import annotations

import threading

from resolver.providers.sts.factory import StsTarget, target_environment
from resolver.providers.sts.lite import LiteStsClient, UnboundCallError

__all__ = ["MAX_CLIENTS", "UnboundCallError", "clear", "make_lite_client", "shared_sts_client"]

MAX_CLIENTS = 32

_lock = threading.Lock()
_clients: dict[tuple[object, ...], LiteStsClient] = {}


def make_lite_client(target: StsTarget, *, signed: bool) -> LiteStsClient:
    """A new client for ``target`` (what the pool builds once per key)."""
    return LiteStsClient(target, signed=signed)


def shared_sts_client(target: StsTarget, *, signed: bool) -> LiteStsClient:
    """The process's STS client for ``target`` (signed or unsigned calls), one per target
    and environment it was resolved in (what the client is built from)."""
    key = (target.region, target.endpoint_url, signed, tuple(target_environment(target).items()))
    client = _clients.get(key)
    if client is not None:
        return client
    with _lock:  # one build per key, even when threads race for it
        client = _clients.get(key)
        if client is None:
            client = make_lite_client(target, signed=signed)
            if len(_clients) >= MAX_CLIENTS:
                _clients.clear()
            _clients[key] = client
        return client


def clear() -> None:
    """Forget every shared client (tests; a fork)."""
    with _lock:
        _clients.clear()
