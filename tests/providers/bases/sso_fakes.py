"""The fake IAM Identity Center: SSO portal (GET) and sso-oidc (POST) on 127.0.0.1.

moto has no ``sso`` portal or ``sso-oidc``, so a small HTTP server answers them the way
the real services do (restJson). Every POST is recorded by path; ``/token`` (CreateToken)
requests are also kept in ``token_requests``. ``post_replies`` answers a POST path, by
default from ``token_reply`` for ``/token`` and 404 otherwise.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

Reply = Callable[[], tuple[int, dict[str, str], object]]


@dataclass
class Portal:
    """The fake SSO portal and OIDC service: records requests, answers with the replies."""

    reply: Reply
    url: str = ""
    requests: list[tuple[str, dict[str, list[str]], dict[str, str]]] = field(default_factory=list)
    # sso-oidc: RegisterClient (/client/register), StartDeviceAuthorization
    # (/device_authorization), CreateToken (/token, also in token_requests)
    posts: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    post_headers: list[dict[str, str]] = field(default_factory=list)  # lower-case names
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_reply: Reply = lambda: (404, {}, {})
    post_replies: dict[str, Reply] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def posted(self, path: str) -> list[dict[str, object]]:
        """The bodies POSTed to ``path``, in order."""
        return [body for where, body in self.posts if where == path]


@contextmanager
def serve_portal(fake: Portal) -> Iterator[Portal]:
    """Run ``fake`` on an ephemeral 127.0.0.1 port for the duration of the block."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake.requests.append((parts.path, parse_qs(parts.query), headers))
            self._send(*fake.reply())

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            path = urlsplit(self.path).path
            with fake.lock:  # replies may count calls
                fake.posts.append((path, body))
                fake.post_headers.append({k.lower(): v for k, v in self.headers.items()})
                if path == "/token":
                    fake.token_requests.append(body)
                reply = fake.post_replies.get(path)
                if reply is None:
                    reply = fake.token_reply if path == "/token" else (lambda: (404, {}, {}))
                answer = reply()
            self._send(*answer)

        def _send(self, status: int, extra_headers: dict[str, str], body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in extra_headers.items():
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
