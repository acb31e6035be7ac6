"""Dialog drivers: zenity, kdialog, osascript (macOS), and ykman (no dialog at all).

Foreign text goes only into option values (``--text=``, ``--password TEXT``, ``-e``); the
one positional argument, ykman's serial, follows ``--`` (click ends options there)."""

from __future__ import annotations

from resolver.providers.prompts.request import PromptRequest, Request, run_prompt

TITLE = "rolechain"


def _applescript_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def arguments(driver: str, program: str, request: Request) -> list[str]:
    """The argv that asks ``request`` through ``driver``, its answer hidden (ykman asks
    the YubiKey, for an MFA code only)."""
    text = request.description()
    seconds = max(1, int(request.timeout))
    if driver == "zenity":
        return [
            program,
            "--entry",
            "--hide-text",
            f"--title={TITLE}",
            f"--text={text}",
            f"--timeout={seconds}",
        ]
    if driver == "kdialog":
        return [program, "--title", TITLE, "--password", text]
    if driver == "osascript":
        script = (
            f'display dialog {_applescript_string(text)} default answer "" '
            f"with hidden answer with title {_applescript_string(TITLE)} "
            f"giving up after {seconds}"
        )
        return [program, "-e", script, "-e", "text returned of result"]
    if driver == "ykman" and isinstance(request, PromptRequest):
        return [program, "oath", "accounts", "code", "--single", "--", request.serial]
    raise ValueError(f"not a dialog driver: {driver}")


def ask(driver: str, program: str, request: Request) -> str:
    """What the user typed (or the YubiKey made)."""
    output = run_prompt(program, arguments(driver, program, request), request)
    if driver == "ykman":  # ``--single`` prints the code alone; older versions "name code"
        output = output.rsplit(None, 1)[-1] if output else output
    return output
