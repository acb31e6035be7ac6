"""Starting and stopping the credential server: ``serve()`` and what ``exec --server`` needs.

Start-up refuses, with one clear line each: a host that is not loopback, an unknown
profile or a chain failing the static checks (planned before anything listens), a port
in use, and an unusable token file. The token is 256 random bits from ``secrets``.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import secrets
import socket
import stat
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

from resolver.errors import ResolverError, remember
from resolver.server.container import ContainerRoutes
from resolver.server.listener import CredentialServer, Routes
from resolver.server.source import DEFAULT_MARGIN, Fetch, ProfileSource

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from resolver.chain.overrides import Overrides
    from resolver.context import Context
    from resolver.stscreds.credentials import Credentials
    from resolver.stscreds.tokens import TokenProvider

TOKEN_BYTES = 32
URI_VARIABLE = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
TOKEN_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
TOKEN_FILE_VARIABLE = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
# What would shadow the server in an SDK's chain (keys and a web identity come first; a
# relative URI or a token file wins over ours).
SHADOWING = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    TOKEN_FILE_VARIABLE,
)


def new_token() -> str:
    """A fresh token: 256 bits from ``secrets``, URL-safe text."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    remember(token)
    return token


def loopback_address(host: str) -> tuple[socket.AddressFamily, str]:
    """The socket family and address for ``host``; anything but loopback is refused."""
    literal = "127.0.0.1" if host == "localhost" else host.strip("[]")
    try:
        address = ipaddress.ip_address(literal)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ResolverError(
            f"--host {host!r} is not a loopback address; the server binds only to "
            "127.0.0.0/8, ::1 or localhost (SDKs accept plain http only there)"
        )
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    return family, str(address)


def token_from_file(path: Path) -> str:
    """The token in ``path``, which is created 0600 with a new token if absent. The file
    holds the token alone, without a newline: the SDKs read
    ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` as it is, and refuse a header value with a
    newline (one left by an older rolechain or an editor is removed, atomically). A file
    others can read, or that is not a regular file, is refused."""
    created = _create_token_file(path)
    if created is not None:
        return created
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError as exc:
        raise ResolverError(f"cannot read token file {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ResolverError(f"token file {path} is not a regular file")
        if info.st_mode & 0o077 or info.st_uid != os.getuid():
            raise ResolverError(f"token file {path} must be yours and mode 0600")
        raw = handle.read(4097).decode("ascii", errors="replace")
    text = raw.strip()
    if len(text) < 43 or len(text) > 4096 or not text.isprintable() or " " in text:
        raise ResolverError(f"token file {path} must hold one token of at least 43 characters")
    remember(text)
    if raw != text:
        try:
            _write_atomically(path, text, replace=True)
        except OSError as exc:
            raise ResolverError(
                f"token file {path} holds whitespace around the token, which SDKs reject, "
                f"and cannot be rewritten without it: {exc.strerror}"
            ) from None
    return text


def _create_token_file(path: Path) -> str | None:
    """A new token written to ``path`` if it does not exist yet (else None)."""
    token = new_token()
    try:
        written = _write_atomically(path, token, replace=False)
    except OSError as exc:
        raise ResolverError(f"cannot create token file {path}: {exc.strerror}") from None
    return token if written else None


def _write_atomically(path: Path, token: str, *, replace: bool) -> bool:
    """Write ``token`` (no newline) to a 0600 file beside ``path`` and move it into place:
    readers see the old file or the whole new one. Without ``replace`` an existing
    ``path`` is kept (False)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(token)
            out.flush()
            os.fsync(out.fileno())
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # fails if ``path`` exists, as O_EXCL would
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def without_shadowing(
    environment: dict[str, str], shadowing: Sequence[str] = SHADOWING
) -> dict[str, str]:
    """``environment`` without the variables that would shadow the server (``shadowing``)."""
    return {name: value for name, value in environment.items() if name not in shadowing}


def profile_path(profile: str) -> str:
    """The URL path serving ``profile``."""
    return "/profiles/" + quote(profile, safe="")


@dataclass(frozen=True)
class Endpoint:
    """A running server: ``url`` (the first profile's), ``urls`` per profile, and the
    ``token`` (never in the repr)."""

    url: str
    token: str = field(repr=False)
    urls: dict[str, str] = field(default_factory=dict)
    server: CredentialServer | None = field(default=None, repr=False, compare=False)

    def environment(self, profile: str | None = None) -> dict[str, str]:
        """The two variables a client needs for ``profile`` (default: the first)."""
        url = self.urls[profile] if profile else self.url
        return {URI_VARIABLE: url, TOKEN_VARIABLE: self.token}


def bind(host: str, port: int, routes: Routes, verbose: bool) -> CredentialServer:
    """A server for ``routes`` listening on loopback ``host:port``; one-line errors."""
    family, address = loopback_address(host)
    if not 0 <= port <= 65535:
        raise ResolverError(f"--port {port} is not a TCP port (0-65535; 0 picks a free one)")
    try:
        return CredentialServer((address, port), routes, family=family, verbose=verbose)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ResolverError(f"port {port} on {address} is in use") from None
        raise ResolverError(f"cannot listen on {address}:{port}: {exc.strerror}") from None


@contextmanager
def serve(
    *profiles: str,
    config: str | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
    verbose: bool = False,
    prime: bool = False,
    margin: timedelta = DEFAULT_MARGIN,
    overrides: Overrides | None = None,
    token_provider: TokenProvider | None = None,
    environ: Mapping[str, str] | None = None,
    context: Context | None = None,
) -> Iterator[Endpoint]:
    """Serve ``profiles`` on ``host:port`` (0: a free port) until the block ends.

    Each profile is planned first (unknown profiles and failing chains raise); with
    ``prime`` its credentials are fetched before the server starts listening.
    ``overrides`` and ``token_provider`` are those of ``exec --server``'s flags. The
    chains are resolved in ``context`` (default: that of ``environ``, else of the
    process environment, built once).
    """
    from resolver import api

    ctx = api.context_of(environ, context)
    names: Sequence[str] = profiles or ("default",)
    sources: dict[str, ProfileSource] = {}
    for name in names:
        api.plan(name, config=config, overrides=overrides, context=ctx)
        fetch = fetcher(name, config, overrides, token_provider, ctx)
        sources[profile_path(name)] = ProfileSource(name, fetch, margin=margin)
    if prime:
        for source in sources.values():
            source.prime()
    secret = token or new_token()
    server = bind(host, port, ContainerRoutes(sources, secret), verbose)
    base = base_url(server)
    urls = {name: base + profile_path(name) for name in names}
    with running(server):
        yield Endpoint(urls[names[0]], secret, urls, server)


def base_url(server: CredentialServer) -> str:
    """``http://HOST:PORT`` of ``server``."""
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return f"http://{shown}:{bound_port}"


@contextmanager
def running(server: CredentialServer) -> Iterator[CredentialServer]:
    """``server`` serving in a thread of its own until the block ends; then closed."""
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.2},
        daemon=True,
        name="rolechain-serve",
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fetcher(
    profile: str,
    config: str | None,
    overrides: Overrides | None,
    token_provider: TokenProvider | None,
    ctx: Context,
) -> Fetch:
    from resolver.api import resolution

    def fetch() -> Credentials:
        found = resolution(
            profile, config=config, overrides=overrides, token_provider=token_provider, context=ctx
        )
        return found.credentials

    return fetch
