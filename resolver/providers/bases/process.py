"""``credential_process``: run a command that prints Version 1 credentials JSON.

The command is split like the AWS CLI does (``resolver.chain.paths.command_argv``:
``shlex.split`` on POSIX) and run without a shell, so ``~`` is not expanded. The child
inherits stdin, so it can prompt on the terminal. Its stderr is passed through to our
stderr *as it arrives* (like the AWS CLI, so a prompt such as "MFA code:" shows before
the child waits for the answer); an error then refers to it in one line instead of
repeating it (its tail goes into the message only when it could not be shown). Stdout is
never echoed: it holds the secrets.
"""

from __future__ import annotations

import codecs
import json
import re
import subprocess
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from resolver.chain.paths import (
    SEARCHED,
    command_argv,
    command_depends_on_working_directory,
    command_program,
    program_location,
)
from resolver.errors import ProviderError
from resolver.providers import children
from resolver.providers.bases.built import Built, Inputs, StepKey
from resolver.providers.bases.credentials_json import Dialect, credentials_from_json
from resolver.stscreds.credentials import Credentials

if TYPE_CHECKING:
    from resolver.chain.types import ProcessSource

STDERR_TAIL_CHARS = 500
_STDERR_KEEP_BYTES = 64 * 1024
RESOLVING_VARIABLE = "ROLECHAIN_RESOLVING"
"""Names the profiles whose credential_process is running in this process's ancestors
(a JSON list), so that a credential_process calling rolechain for its own profile fails
at once instead of spawning processes without end."""
MAX_NESTED_PROCESSES = 16
_WORD = re.compile(r'[^\s"{}\[\],:]{8,}')


def program_of(argv: list[str] | str) -> str:
    """The program an argv (``command_argv``'s) runs, never its arguments (a password?)."""
    if isinstance(argv, str):
        return command_program(argv)
    return argv[0] if argv else ""


def resolving(environ: Mapping[str, str]) -> list[str]:
    """The profiles whose credential_process is running above us (``RESOLVING_VARIABLE``)."""
    value = environ.get(RESOLVING_VARIABLE, "")
    try:
        names = json.loads(value) if value else []
    except ValueError:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def stderr_tail(data: bytes | None, limit: int = STDERR_TAIL_CHARS, hide: bytes = b"") -> str:
    """The last ``limit`` characters of a child's stderr on one line (empty if none),
    with every copy of ``hide`` (its stdout, which may hold secrets) replaced by ``***``."""
    if not data:
        return ""
    text = data.decode("utf-8", errors="replace")
    if hide:  # every word of 8+ characters in stdout: JSON values and plain lines alike
        words = set(_WORD.findall(hide.decode("utf-8", errors="replace")))
        for word in sorted(words, key=len, reverse=True):
            text = text.replace(word, "***")
    text = text.strip()
    if len(text) > limit:
        text = "…" + text[-limit:]
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())


class _Tee:
    """Writes a child's stderr chunks to a text stream and keeps the recent bytes."""

    def __init__(self, target: TextIO | None) -> None:
        self.target = target
        self.kept = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")

    @property
    def shown(self) -> bool:
        """Whether everything the child wrote reached the stream (none was lost)."""
        return self.target is not None

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
    ``profile`` is the profile whose command this is: a child that comes back to it
    (``RESOLVING_VARIABLE``) is refused. Messages and the repr show only the program.
    """

    name = "ProcessProvider"

    def __init__(
        self,
        command: str,
        *,
        timeout: float = 60,
        label: str | None = None,
        stderr: TextIO | None = None,
        profile: str | None = None,
        environ: Mapping[str, str],
        setting: str = "credential_process",
    ) -> None:
        self.command = command
        self.setting = setting  # the profile key whose command this is, as messages name it
        self._environ = environ  # the child's, and ours
        self.timeout = timeout
        self.label = label
        self.profile = profile
        self._stderr = stderr

    @property
    def program(self) -> str:
        """The program the command runs, without its arguments."""
        try:
            return program_of(command_argv(self.command))
        except ValueError:
            return "(unparsable command)"

    def __repr__(self) -> str:
        return f"ProcessProvider(program={self.program!r}, label={self.label!r})"

    def _error(self, what: str, stderr: _Tee | None = None, stdout: bytes = b"") -> ProviderError:
        """The error for ``what``: the child's stderr, if it wrote any, is referred to
        when it was shown as it ran, else its tail is included."""
        message = f"{self.setting} `{self.program}` {what}"
        if stderr is not None and stderr.shown and stderr_tail(bytes(stderr.kept)):
            message += "; see its stderr above"
        elif stderr is not None and (tail := stderr_tail(bytes(stderr.kept), hide=stdout)):
            message += f"; stderr: {tail}"
        return ProviderError(message, profile=self.label)

    def retrieve(self) -> Credentials:
        """Run the command and parse its output; ProviderError on any failure."""
        stdout, stderr = self._run()
        return self._parse(stdout, stderr)

    def output(self) -> bytes:
        """Run the command, bounded as ``retrieve`` runs it: its stdout (a secret)."""
        return self._run()[0]

    def _child_environment(self) -> dict[str, str]:
        """Our environment plus this profile on ``RESOLVING_VARIABLE``; ProviderError if
        it is on it already (a loop) or the nesting is deeper than ``MAX_NESTED_PROCESSES``."""
        above = resolving(self._environ)
        name = self.profile or self.label or self.command
        if name in above:
            cycle = " -> ".join([*above[above.index(name) :], name])
            raise ProviderError(
                f"{self.setting} loop: {cycle} (the command resolves a profile whose "
                "credentials it is asked for)",
                profile=self.label,
                code="CredentialProcessLoop",
            )
        if len(above) >= MAX_NESTED_PROCESSES:
            raise ProviderError(
                f"{self.setting} nested more than {MAX_NESTED_PROCESSES} deep",
                profile=self.label,
            )
        environ = dict(self._environ)
        environ[RESOLVING_VARIABLE] = json.dumps([*above, name])
        return environ

    def _run(self) -> tuple[bytes, _Tee]:
        try:
            argv = command_argv(self.command)
        except ValueError as exc:
            raise self._error(f"cannot be parsed: {exc}") from None
        if not argv:
            raise ProviderError(f"{self.setting} is empty", profile=self.label)
        environ = self._child_environment()
        program = program_of(argv)
        tee = _Tee(self._stderr if self._stderr is not None else sys.stderr)
        try:
            status, stdout = children.run(argv, self.timeout, tee.feed, environ)
        except FileNotFoundError:
            raise self._error(f"failed: command not found: {program}") from None
        except PermissionError:
            raise self._error(f"failed: permission denied running {program}") from None
        except subprocess.TimeoutExpired:
            raise self._error(f"timed out after {self.timeout:g}s (killed)", tee) from None
        except children.TooMuchOutput:
            limit = children.MAX_STDOUT_BYTES
            raise self._error(f"printed more than {limit} bytes on stdout (killed)") from None
        except OSError as exc:
            raise self._error(f"failed to start: {exc.strerror or exc}") from None
        if status < 0:
            raise self._error(f"was killed by signal {-status}", tee, stdout)
        if status != 0:
            raise self._error(f"exited with code {status}", tee, stdout)
        return stdout, tee

    def _parse(self, stdout: bytes, stderr: _Tee | None = None) -> Credentials:
        def error(what: str) -> ProviderError:
            return self._error(what, stderr, stdout)

        try:
            doc: Any = json.loads(stdout)
        except (ValueError, RecursionError):  # RecursionError: nested too deep
            raise error(
                f"printed invalid JSON ({len(stdout)} bytes on stdout, not shown)"
            ) from None
        dialect = Dialect(
            token_key="SessionToken", printed="printed", output="output", error=error, version=1
        )
        return credentials_from_json(doc, dialect, source=self.name)


def build(source: ProcessSource, inputs: Inputs) -> Built:
    """The command, named by itself and the program it runs: the file ``PATH`` finds
    for a bare name, the working directory for a relative one (running it just to name
    it could prompt)."""
    environ = inputs.ctx.environ
    provider = ProcessProvider(
        source.command, label=source.profile, profile=source.profile, environ=environ
    )
    name = f"credential-process:{source.profile}:{source.command}"
    return Built(provider, StepKey(depends=command_depends(source.command, environ), caller=name))


def command_depends(command: str, environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """What names a command besides its text: the file ``PATH`` finds for a bare program
    name, the working directory for a relative one (``StepKey.depends``)."""
    depends: list[tuple[str, str]] = []
    if command_depends_on_working_directory(command, environ.get("PATH", "")):
        depends.append(("cwd", ""))
    program = command_program(command)
    if program and program_location(program) == SEARCHED:
        depends.append(("program", program))
    return tuple(depends)
