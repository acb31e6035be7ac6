"""The stdlib transport against botocore's ``URLLib3Session`` (as the fallback
``BotocoreTransport`` builds it and reads the body): the same scripted local peers give
the same answers or the same exception class and message through both; connections are
reused and replaced as urllib3's are; every answer is read within a bound."""

from __future__ import annotations

import queue
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.tls import write_self_signed
from resolver.providers.sts.transport import (
    MAX_BODY,
    HttpAnswer,
    HttpTransport,
    UnsupportedProxyError,
)
from resolver.providers.sts.transport_botocore import BotocoreTransport
from tests.hostile import fuzz_settings

BODY = b"Action=AssumeRole&Version=2011-06-15"
HEADERS = {"User-Agent": "rolechain-test", "Content-Type": "application/x-www-form-urlencoded"}
Reply = Callable[[socket.socket, int], bool]  # write an answer; True: keep the connection


def answer(body: bytes = b"<ok/>", *, status: bytes = b"200 OK", extra: bytes = b"") -> bytes:
    head = b"HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n" % (status, len(body), extra)
    return head + body


def read_request(reader: Any) -> bytes | None:
    """One request (head and body) from ``reader``; None when the client closed."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline(65536)
        if not line:
            return None
        head += line
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + reader.read(length)


def wait_for_close(conn: socket.socket) -> bool:
    """Block until the client closes (True) or 5 seconds pass (False)."""
    conn.settimeout(5)
    try:
        while conn.recv(65536):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


class Peer:
    """A local HTTP peer on 127.0.0.1 answering the n-th request with ``reply(conn, n)``;
    it counts connections and keeps the requests."""

    def __init__(self, reply: Reply, tls: ssl.SSLContext | None = None) -> None:
        self.reply, self.tls = reply, tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests: list[bytes] = []
        self.closed_by_client = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/"

    def reset(self) -> None:
        self.connections, self.requests, self.closed_by_client = 0, [], 0

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            conn.settimeout(5)
            with conn.makefile("rb") as reader:
                while (request := read_request(reader)) is not None:
                    self.requests.append(request)
                    if not self.reply(conn, len(self.requests)):
                        return
        except OSError:
            return
        finally:
            conn.close()


@pytest.fixture
def peers() -> Iterator[Callable[..., Peer]]:
    started: list[Peer] = []

    def start(reply: Reply, tls: ssl.SSLContext | None = None) -> Peer:
        started.append(Peer(reply, tls))
        return started[-1]

    yield start
    for peer in started:
        peer.listener.close()


def outcome(send: Callable[[], tuple[int, str, dict[str, str], bytes]]) -> tuple[Any, ...]:
    try:
        return ("answer", *send())
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def via_botocore(transport: BotocoreTransport, url: str) -> tuple[int, str, dict[str, str], bytes]:
    found = transport.send("POST", url, HEADERS, BODY)
    return found.status, found.reason, found.headers, found.body


def via_transport(transport: HttpTransport, url: str) -> tuple[int, str, dict[str, str], bytes]:
    headers = dict(HEADERS, **{"Content-Length": str(len(BODY))})
    found = transport.send("POST", url, headers, BODY)
    assert isinstance(found, HttpAnswer)
    return found.status, found.reason, found.headers, found.body


def both(
    peer: Peer | None,
    url: str,
    *,
    sends: int = 1,
    verify: str | bool = True,
    proxies: dict[str, str] | None = None,
    timeouts: tuple[float, float] = (2.0, 2.0),
    between: Callable[[], object] = lambda: None,
) -> list[tuple[Any, ...]]:
    """The outcomes of ``sends`` calls (``between`` run after each) through botocore's
    session, asserted equal to the transport's, with the same requests seen (and when
    all were answered, the same number of connections made)."""
    results: list[list[tuple[Any, ...]]] = []
    seen: list[tuple[int, list[bytes]]] = []
    senders: dict[Any, Callable[[Any, str], tuple[int, str, dict[str, str], bytes]]] = {
        BotocoreTransport: via_botocore,  # the oracle first
        HttpTransport: via_transport,
    }
    for transport, via in senders.items():
        if peer is not None:
            peer.reset()
        client = transport(
            verify=verify,
            proxies=proxies or {},
            connect_timeout=timeouts[0],
            read_timeout=timeouts[1],
        )
        results.append([run(lambda c=client, v=via: v(c, url), between) for _ in range(sends)])
        client.close()
        if peer is not None:
            seen.append((peer.connections, sorted(peer.requests)))
    assert results[0] == results[1]
    answered = all(kind == "answer" for kind, *_ in results[1])
    if peer is not None:
        assert [requests for _, requests in seen[:1]] == [requests for _, requests in seen[1:]]
        assert not answered or seen[0][0] == seen[1][0]
    return results[1]


def run(send: Callable[[], Any], between: Callable[[], object]) -> tuple[Any, ...]:
    found = outcome(send)
    between()
    return found


def keep(data: bytes) -> Reply:
    def reply(conn: socket.socket, _: int) -> bool:
        conn.sendall(data)
        return True

    return reply


def then_close(data: bytes, *, reset: bool = False) -> Reply:
    def reply(conn: socket.socket, _: int) -> bool:
        conn.sendall(data)
        if reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False

    return reply


def stall(data: bytes = b"") -> Reply:
    def reply(conn: socket.socket, _: int) -> bool:
        conn.sendall(data)
        wait_for_close(conn)
        return False

    return reply


CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
SCRIPTS: dict[str, tuple[Reply, str]] = {
    "ok, keep-alive": (keep(answer()), "answer"),
    "error status": (keep(answer(b"<e/>", status=b"403 Forbidden")), "answer"),
    "repeated and folded headers": (
        keep(answer(extra=b"X-A: 1\r\nx-a: 2\r\nX-Fold: a\r\n  b\r\n")),
        "answer",
    ),
    "truncated body (peer closes)": (then_close(answer(b"<ok/>" * 20)[:-30]), "answer"),
    "body longer than announced": (keep(answer(b"<ok/>") + b"<extra/>" * 4), "answer"),
    "reset mid-body": (
        then_close(answer(b"x" * 5000)[:-2000], reset=True),
        "ConnectionClosedError",
    ),
    "chunked, complete": (keep(CHUNKED + b"3\r\nabc\r\n0\r\n\r\n"), "answer"),
    "chunked, cut": (then_close(CHUNKED + b"5\r\nab"), "ConnectionClosedError"),
    "closed before answering": (then_close(b""), "ConnectionClosedError"),
    "bad status line": (then_close(b"HTTP/1.1 2x0 OK\r\n\r\n"), "ConnectionClosedError"),
    "101 headers": (
        then_close(answer(extra=b"".join(b"X-%d: v\r\n" % n for n in range(101)))),
        "ConnectionClosedError",
    ),
    "a header line over 64 KiB": (
        then_close(answer(extra=b"X-Big: " + b"v" * 70000 + b"\r\n")),
        "ConnectionClosedError",
    ),
    "unmatching content lengths": (
        then_close(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        "HTTPClientError",
    ),
    "100 continue, then ok": (keep(b"HTTP/1.1 100 Continue\r\n\r\n" + answer()), "answer"),
    "HTTP/1.0 close": (then_close(b"HTTP/1.0 200 OK\r\n\r\n<ok/>"), "answer"),
    "stall before the answer": (stall(), "ReadTimeoutError"),
    "stall mid-body": (stall(answer(b"x" * 100)[:-50]), "ReadTimeoutError"),
}


@pytest.mark.parametrize(("reply", "kind"), SCRIPTS.values(), ids=SCRIPTS.keys())
def test_a_scripted_peer_gives_what_urllib3_session_gives(
    peers: Callable[..., Peer], reply: Reply, kind: str
) -> None:
    peer = peers(reply)
    results = both(peer, peer.url(), sends=2, timeouts=(2.0, 0.2))
    assert results[0][0] == kind


def test_a_refused_connection_is_an_endpoint_connection_error() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    listener.close()
    assert both(None, url)[0] == (
        "EndpointConnectionError",
        f'Could not connect to the endpoint URL: "{url}"',
    )


def test_a_connect_that_never_completes_is_a_connect_timeout() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    filler = socket.create_connection(listener.getsockname())  # the backlog is now full
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        assert both(None, url, timeouts=(0.2, 1.0))[0][0] == "ConnectTimeoutError"
    finally:
        filler.close()
        listener.close()


def test_three_sends_share_one_connection(peers: Callable[..., Peer]) -> None:
    peer = peers(keep(answer()))
    assert [kind for kind, *_ in both(peer, peer.url(), sends=3)] == ["answer"] * 3
    assert peer.connections == 1 and len(peer.requests) == 3


def test_a_connection_the_peer_closed_while_idle_is_replaced(
    peers: Callable[..., Peer],
) -> None:
    closed = threading.Event()

    def close_after_answering(conn: socket.socket, _: int) -> bool:
        conn.sendall(answer())  # keep-alive announced, then closed while idle
        conn.shutdown(socket.SHUT_WR)
        closed.set()
        return False

    def until_closed() -> None:
        assert closed.wait(5)
        closed.clear()

    peer = peers(close_after_answering)
    results = both(peer, peer.url(), sends=3, between=until_closed)
    assert [kind for kind, *_ in results] == ["answer"] * 3
    assert peer.connections == 3


def test_a_body_over_the_bound_is_not_read_past_it(peers: Callable[..., Peer]) -> None:
    seen_closed: queue.Queue[bool] = queue.Queue()

    def huge(conn: socket.socket, _: int) -> bool:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (2 * MAX_BODY))
        conn.sendall(b"x" * (MAX_BODY + 1))  # no more until the client closes
        seen_closed.put(wait_for_close(conn))
        return False

    peer = peers(huge)
    result = both(peer, peer.url(), timeouts=(2.0, 3.0))
    assert result[0] == ("ResponseParserError", f"the STS response is larger than {MAX_BODY} bytes")
    assert [seen_closed.get(timeout=10) for _ in range(2)] == [True, True]


def test_an_endless_run_of_interim_answers_is_cut_at_the_bound(
    peers: Callable[..., Peer],
) -> None:
    """urllib3 would read this for ever; the transport stops at ``MAX_ANSWER_BYTES``."""
    seen_closed: queue.Queue[bool] = queue.Queue()

    def flood(conn: socket.socket, _: int) -> bool:
        try:
            while True:
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" * 4096)
        except OSError:
            seen_closed.put(True)
        return False

    peer = peers(flood)
    transport = HttpTransport(verify=True, proxies={}, connect_timeout=2, read_timeout=2)
    kind, text = outcome(lambda: via_transport(transport, peer.url()))
    assert kind == "ConnectionClosedError" and peer.url() in text
    transport.close()
    assert seen_closed.get(timeout=10)


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    return write_self_signed(tmp_path / "tls")


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_https_verified_with_the_bundle_and_refused_without_it(
    peers: Callable[..., Peer], tls_files: tuple[Path, Path], tmp_path: Path
) -> None:
    cert, key = tls_files
    peer = peers(keep(answer()), tls=server_context(cert, key))
    url = peer.url("https")
    trusted = both(peer, url, sends=3, verify=str(cert))
    assert [kind for kind, *_ in trusted] == ["answer"] * 3 and peer.connections == 1
    untrusted = both(peer, url, verify=True)[0]
    assert untrusted[0] == "SSLError" and "certificate verify failed" in untrusted[1]
    assert both(peer, url, verify=str(tmp_path / "missing.pem"))[0][0] == "SSLError"
    assert both(peer, url, verify=False)[0][0] == "answer"


def test_a_tls_peer_that_never_completes_the_handshake_times_out(
    peers: Callable[..., Peer],
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))  # accepts (the backlog), never speaks
    try:
        url = f"https://127.0.0.1:{listener.getsockname()[1]}/"
        assert both(None, url, timeouts=(0.2, 2.0))[0][0] == "ReadTimeoutError"
    finally:
        listener.close()


class Proxy:
    """A forward proxy on 127.0.0.1: CONNECT tunnels to the asked port (when the
    ``Proxy-Authorization`` is the expected one, else 407); an absolute-URI request is
    answered by the proxy itself."""

    def __init__(self, authorization: str | None) -> None:
        self.authorization = authorization
        self.requests: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _authorized(self, request: bytes) -> bool:
        wanted = f"proxy-authorization: {self.authorization}".lower().encode()
        lines = [line.lower() for line in request.split(b"\r\n")]
        return self.authorization is None or wanted in lines

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            while (request := read_request(reader)) is not None:
                self.requests.append(request)
                if not self._authorized(request):
                    conn.sendall(b"HTTP/1.0 407 Proxy Authentication Required\r\n\r\n")
                    return
                if request.startswith(b"CONNECT "):
                    port = int(request.split(b" ")[1].rsplit(b":", 1)[1])
                    conn.sendall(b"HTTP/1.0 200 Connection established\r\n\r\n")
                    self._pipe(conn, socket.create_connection(("127.0.0.1", port)))
                    return
                conn.sendall(answer(b"<proxied/>"))

    @staticmethod
    def _pipe(client: socket.socket, upstream: socket.socket) -> None:
        def copy(source: socket.socket, target: socket.socket) -> None:
            try:
                while data := source.recv(65536):
                    target.sendall(data)
            except OSError:
                pass
            finally:
                target.close()

        threading.Thread(target=copy, args=(upstream, client), daemon=True).start()
        copy(client, upstream)


def test_an_http_target_goes_through_the_proxy_as_an_absolute_uri() -> None:
    proxy = Proxy("Basic dXNlcjpwQHNz")  # user:p@ss
    proxies = {"http": f"http://user:p%40ss@127.0.0.1:{proxy.port}"}
    results = both(None, "http://sts.example.test/", sends=2, proxies=proxies)
    assert [kind for kind, *_ in results] == ["answer"] * 2 and results[0][4] == b"<proxied/>"
    assert len(proxy.requests) == 4
    assert all(r.startswith(b"POST http://sts.example.test/ HTTP/1.1") for r in proxy.requests)
    proxy.listener.close()


def test_an_https_target_is_tunnelled_with_the_proxy_authorization(
    peers: Callable[..., Peer], tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    peer = peers(keep(answer()), tls=server_context(cert, key))
    proxy = Proxy("Basic dXNlcjpzZWNyZXQ=")  # user:secret
    proxies = {"https": f"http://user:secret@127.0.0.1:{proxy.port}"}
    results = both(peer, peer.url("https"), sends=2, verify=str(cert), proxies=proxies)
    assert [kind for kind, *_ in results] == ["answer"] * 2 and peer.connections == 1
    # urllib3's CONNECT request (first) and the transport's are the same bytes; the HTTP
    # version and a Host header come from this Python's http.client (1.1 from 3.12 on)
    assert len(proxy.requests) == 2 and proxy.requests[0] == proxy.requests[1]
    assert proxy.requests[0].startswith(f"CONNECT 127.0.0.1:{peer.port} HTTP/1.".encode())
    wrong = {"https": proxies["https"].replace("secret", "wrong")}
    kind, text = both(None, peer.url("https"), verify=str(cert), proxies=wrong)[0]
    assert kind == "ProxyConnectionError" and "wrong" not in text and "***" in text
    proxy.listener.close()


def test_an_unreachable_proxy_is_a_proxy_error_with_a_masked_url() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()
    for target in ("http://sts.example.test/", "https://sts.example.test/"):
        proxies = {
            "http": f"http://me:hunter2@127.0.0.1:{port}",
            "https": f"http://me:hunter2@127.0.0.1:{port}",
        }
        kind, text = both(None, target, proxies=proxies)[0]
        assert kind == "ProxyConnectionError" and "hunter2" not in text and "***" in text


def test_a_proxy_other_than_http_is_refused_up_front() -> None:
    for url in ("https://user:hunter2@proxy.test:8443", "https://proxy.test"):
        with pytest.raises(UnsupportedProxyError) as raised:
            HttpTransport(verify=True, proxies={"https": url}, connect_timeout=1, read_timeout=1)
        assert "hunter2" not in str(raised.value) and "proxy.test" not in str(raised.value)


def test_an_answer_shows_no_body_and_a_bad_header_no_value() -> None:
    body = b"<SecretAccessKey>wJalrXUtnFEMI</SecretAccessKey>"
    shown = repr(HttpAnswer(200, "OK", {"x": "y"}, body))
    assert "wJalrXUtnFEMI" not in shown and f"{len(body)} bytes" in shown
    transport = HttpTransport(verify=True, proxies={}, connect_timeout=1, read_timeout=1)
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
        headers = {"X-Amz-Security-Token": "session-token-value\r\nX-Injected: 1"}
        with pytest.raises(Exception) as raised:
            transport.send("POST", url, headers, b"")
        assert type(raised.value).__name__ == "HTTPClientError"
        assert "session-token-value" not in str(raised.value)
        assert "session-token-value" not in repr(raised.value.kwargs)
    finally:
        listener.close()
        transport.close()


STATUS_LINES = st.one_of(
    st.sampled_from([b"HTTP/1.1 200 OK", b"HTTP/1.0 200 OK", b"HTTP/1.1 503 Slow Down"]),
    st.builds(
        lambda version, code, reason: b"%s %s %s" % (version, code, reason),
        st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b"ICY", b""]),
        st.one_of(st.integers(-5, 1200).map(lambda n: str(n).encode()), st.binary(max_size=4)),
        st.binary(max_size=20),
    ),
    st.binary(max_size=60),
)
HEADER_LINES = st.lists(
    st.one_of(
        st.builds(
            lambda name, value: name + b": " + value,
            st.sampled_from([b"Content-Length", b"Transfer-Encoding", b"Connection", b"X-A"]),
            st.one_of(
                st.sampled_from([b"0", b"5", b"1, 2", b"-1", b"chunked", b"close", b"keep-alive"]),
                st.binary(max_size=12),
            ),
        ),
        st.binary(max_size=30),
        st.integers(101, 130).map(lambda n: b"\r\n".join([b"X-Many: v"] * n)),
        st.just(b"X-Huge: " + b"h" * 66000),
    ),
    max_size=6,
)


@fuzz_settings(40)
@given(STATUS_LINES, HEADER_LINES, st.binary(max_size=300))
def test_hostile_answers_fail_as_urllib3_session_fails(
    status: bytes, lines: list[bytes], body: bytes
) -> None:
    """Generated status lines, header blocks and bodies (the peer then closes): the same
    answer or the same botocore exception through both, never a hang."""
    data = b"\r\n".join([status, *lines, b"", b""]) + body
    peer = Peer(then_close(data))
    try:
        result = both(peer, peer.url(), timeouts=(2.0, 2.0))[0]
    finally:
        peer.listener.close()
    assert result[0] in {"answer", "ConnectionClosedError", "HTTPClientError"}
