"""The CLI's last line of defence: an exception no command turned into a ``ResolverError``
becomes one line naming its class (never its message: it may quote a URL or a secret),
and exit status 70 (EX_SOFTWARE). The traceback is shown only with ``--debug``, scrubbed
of every secret the process has seen (``resolver.errors.scrub``). Imported only on the
error path, so the warm ``export`` never loads it.
"""

from __future__ import annotations

import sys

INTERNAL_ERROR_STATUS = 70
MFA_CODE_FLAG = "; or pass --mfa-token CODE"
# The commands that take an MFA code (they resolve once, and a code is single-use; a
# server's 503 says how to fill the cache it reads instead: resolver.server.source).
MFA_ADVICE = {"export": MFA_CODE_FLAG, "exec": MFA_CODE_FLAG, "console": MFA_CODE_FLAG}


def debug_requested(words: list[str]) -> bool:
    """True when ``--debug`` is among rolechain's own words (not a child's after ``--``)."""
    own = words[: words.index("--")] if "--" in words else words
    return "--debug" in own


def show_traceback(exc: BaseException) -> None:
    """The scrubbed traceback of ``exc`` on stderr (``--debug``)."""
    from resolver.errors import format_exception

    sys.stderr.write(format_exception(exc))


def internal_error(exc: BaseException, debug: bool) -> int:
    """Report ``exc`` in one line (after its scrubbed traceback with ``debug``)."""
    if debug:
        show_traceback(exc)
    hint = "run with --debug for the traceback"
    if debug:
        hint = "the traceback above is scrubbed of secrets"
    name = type(exc).__name__
    sys.stderr.write(f"rolechain: error: internal error ({name}); {hint}\n")
    sys.stderr.flush()
    return INTERNAL_ERROR_STATUS


def output_error(exc: BaseException) -> bool:
    """True for a failed write to standard output: a full disk or /dev/full, a quota, an
    I/O error (the CLI reads files only through errors that say so)."""
    import errno

    full = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)
    return isinstance(exc, OSError) and exc.filename is None and exc.errno in full


def advice(exc: BaseException, command: str) -> str:
    """What ``command`` adds to ``exc``'s message: for an MFA code nobody can be asked
    for, the command's own way to take one (``MFA_ADVICE``)."""
    from resolver.errors import ResolverError
    from resolver.providers.prompts.request import NO_PROMPT

    if not isinstance(exc, ResolverError) or exc.reason != NO_PROMPT:
        return ""
    return MFA_ADVICE.get(command, "")
