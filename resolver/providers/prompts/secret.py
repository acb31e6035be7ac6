"""Asking for a hidden secret that is not an MFA code (a private key's passphrase)
through the MFA prompt drivers.

The driver is chosen as for an MFA code (``mfa_prompt`` or ``ROLECHAIN_MFA_PROMPT``, else
the terminal when there is one, else a dialog when there is a display), except that
``ykman`` and ``process`` make MFA codes only: with them, the choice falls back to the
terminal or a dialog. The terminal asks on ``/dev/tty`` without echo; pinentry and the
dialogs hide the entry. Each is bounded in time (``PROMPT_TIMEOUT``), the answer in size
(``MAX_SECRET_BYTES``); it is remembered for ``scrub`` as soon as it is read, and is
never kept, logged or shown.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import replace

from resolver.errors import TokenError, printable, remember
from resolver.providers.prompts.choose import ENV_VARIABLE, choose_driver, program_of
from resolver.providers.prompts.request import SecretRequest
from resolver.stscreds.tokens import PROMPT_LOCK, waiting_elsewhere

MAX_SECRET_BYTES = 1023
"""The longest passphrase OpenSSL takes for a PEM key (its 1024-byte buffer, NUL included)."""
CODE_ONLY_DRIVERS = ("ykman", "process")
"""Drivers that make an MFA code rather than ask for one."""


def secret_driver(
    configured: str | None, environ: Mapping[str, str], request: SecretRequest
) -> str:
    """The driver that asks for ``request``: ``choose_driver``'s, passing over the ones
    that only make MFA codes (so the terminal, else a dialog)."""
    if configured in CODE_ONLY_DRIVERS:
        configured = None
    if environ.get(ENV_VARIABLE, "").strip() in CODE_ONLY_DRIVERS:
        environ = {name: value for name, value in environ.items() if name != ENV_VARIABLE}
    return choose_driver(configured, environ=environ, asked=request.asked)


def _on_terminal(request: SecretRequest) -> str:
    """The answer typed on ``/dev/tty``, not echoed, within the request's time."""
    from resolver.providers.bases.keyring_prompt import NoPasswordPrompt, ask

    try:
        return ask(printable(request.terminal_question()), timeout=request.timeout)
    except NoPasswordPrompt as exc:
        asked = request.asked
        raise TokenError(
            f"cannot ask for the {asked.name} of {request.subject} ({exc.why}); {asked.advice}",
        ) from None


def _through(driver: str, request: SecretRequest, environ: Mapping[str, str]) -> str:
    from resolver.providers.prompts import dialogs, pinentry

    if driver == "terminal":
        return _on_terminal(request)
    name = program_of(driver, environ)
    program = shutil.which(name, path=environ.get("PATH")) or name
    if driver == "pinentry":
        return pinentry.ask(program, request)
    return dialogs.ask(driver, program, request)


def ask_secret(
    request: SecretRequest, *, configured: str | None, environ: Mapping[str, str]
) -> str:
    """The secret the user gives for ``request``; ``TokenError`` in one line when it
    cannot be asked, is cancelled, empty, not UTF-8 or longer than ``MAX_SECRET_BYTES``."""
    driver = secret_driver(configured, environ, request)
    with PROMPT_LOCK:
        value = _through(driver, replace(request, waiting=waiting_elsewhere()), environ)
    what = f"{request.asked.name} for {request.subject}"
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:  # a byte that is not UTF-8 (never shown, nor kept)
        raise TokenError(f"the {what} is not UTF-8 text") from None
    remember(value)
    if not value:
        raise TokenError(f"no {what} was given")
    if size > MAX_SECRET_BYTES:
        raise TokenError(f"the {what} is longer than {MAX_SECRET_BYTES} bytes")
    return value
