"""MFA prompt drivers: where a token code comes from when a hop needs one.

``terminal`` (``/dev/tty``), the dialogs ``zenity``, ``kdialog`` and ``osascript``,
``pinentry`` (the Assuan protocol), ``ykman`` (a YubiKey's OATH code) and ``process``
(``mfa_process``). The profile key ``mfa_prompt`` or ``ROLECHAIN_MFA_PROMPT`` picks one;
by default the terminal when there is one, else the first dialog program on ``PATH`` for
this platform. Every driver is bounded in time (``PROMPT_TIMEOUT``), its code is checked
to be six digits by ``tokens.get_token_code``, and no error ever shows the code.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping

from resolver.errors import ConfigError, TokenError
from resolver.providers.prompts.process import ProcessTokenProvider
from resolver.providers.prompts.request import MFA_CODE, Asked, PromptRequest
from resolver.providers.prompts.request import NO_PROMPT as NO_PROMPT
from resolver.providers.prompts.terminal import TerminalPrompt
from resolver.stscreds.tokens import (
    PROMPT_LOCK,
    TokenProvider,
    has_terminal,
    waiting_elsewhere,
)

DRIVERS = ("terminal", "zenity", "kdialog", "osascript", "pinentry", "ykman", "process")
ENV_VARIABLE = "ROLECHAIN_MFA_PROMPT"


def gui_drivers(platform: str = sys.platform) -> tuple[str, ...]:
    """The drivers that need no terminal, in the order they are tried on ``platform``."""
    if platform == "darwin":
        return ("osascript", "pinentry")
    return ("zenity", "kdialog", "pinentry")


def program_of(driver: str, environ: Mapping[str, str]) -> str:
    """The program a driver runs (``pinentry`` may be named by ``ROLECHAIN_PINENTRY``)."""
    if driver == "pinentry":
        return environ.get("ROLECHAIN_PINENTRY", "").strip() or "pinentry"
    return driver


def check_driver(name: str, where: str) -> str:
    """``name`` if it is a driver; a ``ConfigError`` listing the valid ones otherwise."""
    if name not in DRIVERS:
        raise ConfigError(f"{where}: unknown MFA prompt {name!r}; valid: {', '.join(DRIVERS)}")
    return name


def choose_driver(
    configured: str | None,
    *,
    environ: Mapping[str, str],
    terminal: bool | None = None,
    platform: str = sys.platform,
    asked: Asked = MFA_CODE,
) -> str:
    """The driver to use: ``ROLECHAIN_MFA_PROMPT``, else ``configured`` (``mfa_prompt``),
    else the terminal when there is one, else the first dialog program on ``PATH``; the
    errors name what is ``asked``."""
    chosen = environ.get(ENV_VARIABLE, "").strip()
    if chosen:
        return check_driver(chosen, ENV_VARIABLE)
    if configured:
        return check_driver(configured, "mfa_prompt")
    if has_terminal() if terminal is None else terminal:
        return "terminal"
    wanted = " or ".join(gui_drivers(platform))
    if not has_display(environ, platform):
        raise TokenError(
            f"no terminal and no display to ask for {asked.article} {asked.name} (DISPLAY and "
            f"WAYLAND_DISPLAY are unset); {asked.advice}, or run where {wanted} can show a dialog",
            reason=asked.reason,
        )
    path = environ.get("PATH")
    for driver in gui_drivers(platform):
        if shutil.which(program_of(driver, environ), path=path):
            return driver
    raise TokenError(
        f"no terminal to ask for {asked.article} {asked.name} and no dialog program on PATH; "
        f"install {wanted}, or {asked.advice}",
        reason=asked.reason,
    )


def has_display(environ: Mapping[str, str], platform: str = sys.platform) -> bool:
    """Whether a dialog can be shown: always on macOS and Windows; elsewhere only in an X11
    or Wayland session (without one, zenity and kdialog fail and pinentry falls back to
    its curses form, which needs the terminal we do not have)."""
    if platform == "darwin" or platform.startswith("win"):
        return True
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


class DriverPrompt:
    """A ``TokenProvider`` asking through ``driver``, one prompt at a time per process."""

    def __init__(self, driver: str, request: PromptRequest, environ: Mapping[str, str]) -> None:
        self.driver = driver
        self.request = request
        self._environ = environ

    def __repr__(self) -> str:
        return f"DriverPrompt(driver={self.driver!r}, serial={self.request.serial!r})"

    def __call__(self) -> str:
        from resolver.providers.prompts import dialogs, pinentry

        name = program_of(self.driver, self._environ)
        # The program the choice saw: found on the Context's PATH, not the process's.
        program = shutil.which(name, path=self._environ.get("PATH")) or name
        with PROMPT_LOCK:
            if self.driver == "pinentry":
                return pinentry.ask(program, self.request)
            return dialogs.ask(self.driver, program, self.request)


def prompt_provider(
    serial: str,
    *,
    profile: str | None = None,
    role_arn: str | None = None,
    configured: str | None = None,
    mfa_process: str | None = None,
    environ: Mapping[str, str],
) -> TokenProvider:
    """The token provider for ``serial`` as ``mfa_prompt`` (or ``environ``) asks."""
    if mfa_process and not environ.get(ENV_VARIABLE, "").strip() and configured is None:
        return ProcessTokenProvider(mfa_process, serial=serial)
    driver = choose_driver(configured, environ=environ)
    if driver == "process":
        if not mfa_process:
            raise TokenError(f"mfa_prompt is process but no mfa_process is set for {serial}")
        return ProcessTokenProvider(mfa_process, serial=serial)
    waiting = waiting_elsewhere()
    request = PromptRequest(serial=serial, profile=profile, role_arn=role_arn, waiting=waiting)
    if driver == "terminal":
        return TerminalPrompt(serial, question=request.terminal_question())
    return DriverPrompt(driver, request, environ)
