"""A local STS for the demo and the tests: ``moto_server`` on 127.0.0.1, a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from resolver.config.private_dirs import make_dirs
from resolver.errors import ResolverError


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(port: int) -> list[str]:
    """``moto_server`` from this interpreter's environment, else ``python -m moto.server``."""
    script = Path(sys.executable).with_name("moto_server")
    found = str(script) if script.exists() else shutil.which("moto_server")
    command = [found] if found else [sys.executable, "-m", "moto.server"]
    return [*command, "-H", "127.0.0.1", "-p", str(port)]


class LocalSts:
    """A running ``moto_server``; ``url`` serves STS (and every other moto service)."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path

    def __enter__(self) -> LocalSts:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def api(self, path: str, method: str = "POST", data: bytes | None = None) -> bytes:
        """Call a ``/moto-api/...`` endpoint; raises on a non-2xx answer."""
        request = urllib.request.Request(self.url + path, data=data, method=method)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            body: bytes = response.read()
            return body

    def log(self) -> str:
        """What the server printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate the server (kill it if it ignores SIGTERM)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_local_sts(
    workdir: Path, *, env: Mapping[str, str] | None = None, timeout: float = 60.0, tries: int = 3
) -> LocalSts:
    """Start ``moto_server`` in ``workdir`` and wait until it answers.

    Retries on another port if the server exits early (the port was taken meanwhile).
    Raises ``ResolverError`` with the server's output if it never answers.
    """
    make_dirs(workdir)
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "ROLECHAIN_"))}
    problem, server = "moto_server did not start", None
    for _ in range(tries):
        port = free_port()
        log_path = workdir / "moto_server.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                server_command(port),
                cwd=workdir,
                env={**base_env, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = LocalSts(process, port, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                problem = f"moto_server exited with code {process.returncode}"
                break
            try:
                server.api("/moto-api/", method="GET")
                return server
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        else:
            server.stop()
            problem = f"moto_server did not answer on {server.url} within {timeout:g}s"
            break
    output = server.log()[-2000:] if server else ""
    raise ResolverError(f"{problem}; its output: {output!r}")
