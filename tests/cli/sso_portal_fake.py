"""A fake IAM Identity Center portal on 127.0.0.1 for ``rolechain sso populate``:
``GET /assignment/accounts`` (ListAccounts) and ``GET /assignment/roles?account_id=``
(ListAccountRoles) as the real portal answers them (restJson: ``accountList`` /
``roleList`` and ``nextToken``; errors named by ``x-amzn-ErrorType``). It checks the
``x-amz-sso_bearer_token`` header, serves ``page_size`` items a page whatever
``max_result`` asks, and answers the first request of each path in ``throttle_once``
with 429 ``TooManyRequestsException``. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], object]


@dataclass
class Request:
    """One request: its path, query (first value of each) and headers (lower-case)."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    status: int = 0


@dataclass
class FakePortal:
    token: str
    accounts: dict[str, str] = field(default_factory=dict)  # id -> name, in order
    roles: dict[str, list[str]] = field(default_factory=dict)  # id -> role names
    page_size: int = 2
    throttle_once: set[str] = field(default_factory=set)
    endless_pages: bool = False  # always answer a nextToken
    override: Callable[[Request], Reply | None] | None = None  # answers first when not None
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    def answer(self, request: Request) -> Reply:
        if self.override is not None and (reply := self.override(request)) is not None:
            return reply
        if request.path in self.throttle_once:
            self.throttle_once.discard(request.path)
            return error(429, "TooManyRequestsException", "Rate exceeded")
        if request.headers.get("x-amz-sso_bearer_token") != self.token:
            return error(401, "UnauthorizedException", "Session token not found or invalid")
        if request.path == "/assignment/accounts":
            items = [
                {"accountId": key, "accountName": name, "emailAddress": "a@example.com"}
                for key, name in self.accounts.items()
            ]
            return self.page(items, request, "accountList")
        if request.path == "/assignment/roles":
            account = request.query.get("account_id", "")
            if account not in self.accounts:
                return error(403, "ForbiddenException", "No access")
            roles = [{"roleName": r, "accountId": account} for r in self.roles.get(account, [])]
            return self.page(roles, request, "roleList")
        return error(404, "ResourceNotFoundException", "no such path")

    def page(
        self, items: list[object], request: Request, key: str
    ) -> tuple[int, dict[str, str], object]:
        start = int(request.query.get("next_token", "0"))
        end = start + self.page_size
        body: dict[str, object] = {key: items[start:end]}
        if end < len(items) or self.endless_pages:
            body["nextToken"] = str(end)
        return 200, {}, body


def error(status: int, code: str, message: str) -> tuple[int, dict[str, str], object]:
    return status, {"x-amzn-ErrorType": code}, {"message": message}


@contextmanager
def serve(fake: FakePortal) -> Iterator[FakePortal]:
    """Run ``fake`` on an ephemeral 127.0.0.1 port for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = {key: values[0] for key, values in parse_qs(parts.query).items()}
            headers = {key.lower(): value for key, value in self.headers.items()}
            request = Request(parts.path, query, headers)
            with fake.lock:
                status, extra, body = fake.answer(request)
                request.status = status
                fake.requests.append(request)
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
