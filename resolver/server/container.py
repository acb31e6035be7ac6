"""The container credentials protocol's routes: ``GET /profiles/NAME`` with the server's
token in ``Authorization`` (what ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and
``AWS_CONTAINER_AUTHORIZATION_TOKEN`` point an SDK at). Tokens are compared in constant
time.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from resolver.server.protocol import Reply, Request, error_body
from resolver.server.source import ProfileSource


class ContainerRoutes:
    """Serves ``sources`` (path -> ProfileSource) to clients presenting ``token``."""

    def __init__(self, sources: Mapping[str, ProfileSource], token: str) -> None:
        self.sources = dict(sources)
        self._token = token.encode()

    def __repr__(self) -> str:
        return f"ContainerRoutes(paths={sorted(self.sources)!r})"

    def check(self, request: Request) -> Reply | ProfileSource:
        """The refusal for a request (401 no token, 403 wrong token, 405 not GET, 404
        unknown path), or the source to answer it from."""
        authorization = request.authorization
        if not authorization:
            return Reply(401, error_body("Unauthorized", "missing Authorization header"))
        given = authorization[0].encode() if len(authorization) == 1 else b""
        if not hmac.compare_digest(given, self._token):
            return Reply(403, error_body("Forbidden", "wrong authorization token"))
        if request.method != "GET":
            return Reply(405, error_body("MethodNotAllowed", "only GET is supported"))
        source = self.sources.get(request.path)
        if source is None:
            return Reply(404, error_body("NotFound", "no profile is served at this path"))
        return source
