"""``credential_process``: run a command that prints Version 1 credentials JSON.

The command is split like the AWS CLI does (``shlex.split`` on POSIX) and run without a
shell. The child inherits stdin, so it can prompt on the terminal. Its stderr is
passed through to our stderr *as it arrives* (like the AWS CLI, so a prompt such as
"MFA code:" shows before the child waits for the answer) and its tail is also kept
for error messages. Stdout is never echoed: it holds the secrets.
"""

from __future__ import annotations

import codecs
import json
import os
import selectors
import shlex
import subprocess
import sys
import time
from typing import IO, Any, TextIO

from resolver.errors import ProviderError
from resolver.providers.credentials import Credentials
from resolver.providers.environment import parse_rfc3339

STDERR_TAIL_CHARS = 500
_STDERR_KEEP_BYTES = 64 * 1024
_KILL_GRACE_SECONDS = 2.0
_AFTER_EXIT_GRACE_SECONDS = 0.5
_POLL_SECONDS = 0.1


def split_command(command: str) -> list[str] | str:
    """The argv the AWS CLI would run (on Windows the string goes to CreateProcess as is)."""
    if os.name == "nt":
        return command
    return shlex.split(command)


def stderr_tail(data: bytes | None, limit: int = STDERR_TAIL_CHARS) -> str:
    """The last ``limit`` characters of a child's stderr on one line (empty if none)."""
    if not data:
        return ""
    text = data.decode("utf-8", errors="replace").strip()
    if len(text) > limit:
        text = "…" + text[-limit:]
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())


class _Tee:
    """Writes a child's stderr chunks to a text stream and keeps the recent bytes."""

    def __init__(self, target: TextIO | None) -> None:
        self.target = target
        self.kept = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, chunk: bytes) -> None:
        self.kept += chunk
        del self.kept[:-_STDERR_KEEP_BYTES]
        if self.target is None:
            return
        try:
            self.target.write(self._decoder.decode(chunk))
            self.target.flush()
        except (OSError, ValueError):  # closed or broken stderr: stop forwarding
            self.target = None


class ProcessProvider:
    """Runs ``command`` on every ``retrieve`` (callers cache); ``label`` names the profile.

    ``stderr`` is where the child's stderr is passed through (default ``sys.stderr``).
    """

    name = "ProcessProvider"

    def __init__(
        self,
        command: str,
        *,
        timeout: float = 60,
        label: str | None = None,
        stderr: TextIO | None = None,
    ) -> None:
        self.command = command
        self.timeout = timeout
        self.label = label
        self._stderr = stderr

    def __repr__(self) -> str:
        return f"ProcessProvider(command={self.command!r}, label={self.label!r})"

    def _error(self, what: str, stderr: bytes | None = None) -> ProviderError:
        message = f"credential_process `{self.command}` {what}"
        tail = stderr_tail(stderr)
        if tail:
            message += f"; stderr: {tail}"
        return ProviderError(message, profile=self.label)

    def retrieve(self) -> Credentials:
        """Run the command and parse its output; ProviderError on any failure."""
        stdout, stderr = self._run()
        return self._parse(stdout, stderr)

    def _run(self) -> tuple[bytes, bytes]:
        try:
            argv = split_command(self.command)
        except ValueError as exc:
            raise self._error(f"cannot be parsed: {exc}") from None
        if not argv:
            raise ProviderError("credential_process is empty", profile=self.label)
        program = argv if isinstance(argv, str) else argv[0]
        try:
            proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except FileNotFoundError:
            raise self._error(f"failed: command not found: {program}") from None
        except PermissionError:
            raise self._error(f"failed: permission denied running {program}") from None
        except OSError as exc:
            raise self._error(f"failed to start: {exc.strerror or exc}") from None
        tee = _Tee(self._stderr if self._stderr is not None else sys.stderr)
        try:
            stdout = _collect(proc, self.timeout, tee)
        except subprocess.TimeoutExpired:
            _kill(proc, tee)
            raise self._error(
                f"timed out after {self.timeout:g}s (killed)", bytes(tee.kept)
            ) from None
        except BaseException:
            _kill(proc, tee)
            raise
        stderr = bytes(tee.kept)
        if proc.returncode < 0:
            raise self._error(f"was killed by signal {-proc.returncode}", stderr)
        if proc.returncode != 0:
            raise self._error(f"exited with code {proc.returncode}", stderr)
        return stdout, stderr

    def _parse(self, stdout: bytes, stderr: bytes) -> Credentials:
        try:
            doc: Any = json.loads(stdout)
        except ValueError:
            raise self._error(
                f"printed invalid JSON ({len(stdout)} bytes on stdout, not shown)", stderr
            ) from None
        if not isinstance(doc, dict):
            raise self._error("printed JSON that is not an object", stderr)
        version = doc.get("Version")
        if version != 1:
            shown = "missing" if version is None else repr(version)[:20]
            raise self._error(f"printed unsupported Version {shown} (expected 1)", stderr)
        missing = [key for key in ("AccessKeyId", "SecretAccessKey") if not doc.get(key)]
        if missing:
            raise self._error(f"output is missing {', '.join(missing)}", stderr)
        wrong = [
            key
            for key in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId")
            if doc.get(key) is not None and not isinstance(doc[key], str)
        ]
        if wrong:
            raise self._error(f"output has non-string {', '.join(wrong)}", stderr)
        expires = None
        if doc.get("Expiration"):
            try:
                expires = parse_rfc3339(doc["Expiration"])
            except ValueError as exc:
                raise self._error(f"printed a bad Expiration: {exc}", stderr) from None
        return Credentials(
            access_key_id=doc["AccessKeyId"],
            secret_access_key=doc["SecretAccessKey"],
            session_token=doc.get("SessionToken") or None,
            expires=expires,
            source=self.name,
            account_id=doc.get("AccountId") or None,
        )


def _collect(proc: subprocess.Popen[bytes], timeout: float, tee: _Tee) -> bytes:
    """Read stdout and tee stderr until both close and the child exits, within ``timeout``.

    Once the child has exited, buffered output is drained for a short grace period and
    then reading stops, so a background grandchild holding the pipes does not hang us.
    Raises ``subprocess.TimeoutExpired`` when the deadline passes first.
    """
    assert proc.stdout is not None and proc.stderr is not None
    if os.name == "nt":  # selectors cannot wait on pipes there
        stdout, stderr = proc.communicate(timeout=timeout)
        tee.feed(stderr)
        return stdout
    deadline = time.monotonic() + timeout
    exited_at: float | None = None
    out = bytearray()
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
        selector.register(proc.stderr, selectors.EVENT_READ, "stderr")
        while selector.get_map():
            now = time.monotonic()
            if now >= deadline:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > _AFTER_EXIT_GRACE_SECONDS:
                break
            for key, _ in selector.select(min(deadline - now, _POLL_SECONDS)):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    selector.unregister(key.fileobj)
                elif key.data == "stderr":
                    tee.feed(chunk)
                else:
                    out += chunk
    proc.wait(timeout=max(deadline - time.monotonic(), 0.01))
    _close(proc.stdout, proc.stderr)
    return bytes(out)


def _kill(proc: subprocess.Popen[bytes], tee: _Tee) -> None:
    """Kill the child and collect what else it wrote to stderr (briefly)."""
    proc.kill()
    if proc.stderr is not None and not proc.stderr.closed and os.name != "nt":
        deadline = time.monotonic() + _KILL_GRACE_SECONDS
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stderr, selectors.EVENT_READ)
            while (remaining := deadline - time.monotonic()) > 0 and selector.select(remaining):
                chunk = os.read(proc.stderr.fileno(), 65536)
                if not chunk:
                    break
                tee.feed(chunk)
    _close(proc.stdout, proc.stderr)  # a grandchild may still hold the other ends
    proc.wait()


def _close(*pipes: IO[bytes] | None) -> None:
    for pipe in pipes:
        if pipe is not None and not pipe.closed:
            pipe.close()
