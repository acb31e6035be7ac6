"""The ``process`` prompt driver: run ``mfa_process`` and take its stdout as the code.

It holds ``PROMPT_LOCK`` like every prompt (the program may ask for a touch), and its
code is checked to be six digits (``resolver.stscreds.tokens.validate_token_code``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

from resolver.chain.paths import command_argv, command_program
from resolver.errors import TokenError
from resolver.stscreds.client import one_line
from resolver.stscreds.tokens import PROMPT_LOCK, validate_token_code

DEFAULT_PROCESS_TIMEOUT = 60.0
_STDERR_KEEP_BYTES = 64 * 1024


class ProcessTokenProvider:
    """Run ``mfa_process`` and use its stdout, stripped, as the token code.

    Like the AWS CLI's ``credential_process``, a string command is split by
    ``resolver.chain.paths.command_argv`` and run without a shell (on Windows the string goes to
    ``CreateProcess`` as is); a sequence is used as argv directly. stdin is inherited;
    stdout and stderr are captured. It runs in a session of its own (so a timeout kills
    its background children too, and one holding stdout does not delay the answer); a
    command that must ask the user something reads stdin. Errors name the program (not
    its arguments, which may hold secrets), include its stderr, never its stdout.
    """

    def __init__(
        self,
        command: str | Sequence[str],
        *,
        timeout: float = DEFAULT_PROCESS_TIMEOUT,
        serial: str | None = None,
    ) -> None:
        if isinstance(command, str):
            args: str | list[str] = command_argv(command)
        else:
            args = list(command)
        if not args:
            raise TokenError("mfa_process is empty")
        if timeout <= 0:
            raise ValueError("mfa_process timeout must be positive")
        self._args = args
        self.timeout = timeout
        self.serial = serial

    @property
    def program(self) -> str:
        """The program that runs (argv[0])."""
        return command_program(self._args) if isinstance(self._args, str) else self._args[0]

    def __repr__(self) -> str:
        return f"ProcessTokenProvider(program={self.program!r}, timeout={self.timeout})"

    def __call__(self) -> str:
        from resolver.providers import children

        what = f"mfa_process {self.program}"
        kept = bytearray()

        def keep(chunk: bytes) -> None:
            kept.extend(chunk)
            del kept[:-_STDERR_KEEP_BYTES]

        with PROMPT_LOCK:
            try:
                status, out = children.run(self._args, self.timeout, keep)
            except subprocess.TimeoutExpired:
                raise TokenError(f"{what} timed out after {self.timeout:g}s (killed)") from None
            except children.TooMuchOutput:
                raise TokenError(f"{what} printed too much on stdout (killed)") from None
            except OSError as exc:
                raise TokenError(f"{what} could not run: {exc.strerror or exc}") from None
        stdout = out.decode("utf-8", errors="replace").strip()
        if status != 0:
            stderr = kept.decode("utf-8", errors="replace")
            if stdout:
                stderr = stderr.replace(stdout, "***")
            detail = one_line(stderr, 300) or "no output on stderr"
            raise TokenError(f"{what} exited with status {status}: {detail}")
        if not stdout:
            raise TokenError(f"{what} printed nothing on stdout")
        try:
            return validate_token_code(stdout, self.serial)
        except TokenError:
            raise TokenError(f"{what} did not print a 6-digit token code") from None
