"""Opening a sign-in URL: the profile's ``console_browser`` template, else a browser.

On macOS and Windows ``webbrowser`` opens the system's default. Elsewhere only a
graphical browser is started, found on the Context's ``PATH``: ``BROWSER``'s entries,
then ``xdg-open`` and the common browsers (``GRAPHICAL``). Never a text browser
(``TERMINAL``: ``webbrowser`` falls back to them), which would take the terminal and show
the URL; with no display (no ``DISPLAY`` or ``WAYLAND_DISPLAY``) nothing is started.

A template such as ``firefox -P work --new-tab {url}`` is split like a shell would
(``shlex``) *before* the URL goes in, and the URL then replaces ``{url}`` inside single
arguments: it is always part of one argv element and never seen by a shell. A template
without ``{url}`` gets the URL as its last argument. Nothing here prints or logs the URL.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping

from resolver.errors import ResolverError

PLACEHOLDER = "{url}"
MAX_TEMPLATE_LENGTH = 4096
TERMINAL = frozenset({"www-browser", "lynx", "links", "links2", "elinks", "w3m", "browsh"})
GRAPHICAL = (
    "xdg-open",
    "x-www-browser",
    "firefox",
    "google-chrome",
    "chromium",
    "chromium-browser",
    "microsoft-edge",
    "brave-browser",
    "epiphany",
    "konqueror",
)


def split_template(template: str) -> list[str]:
    """The template's words; ResolverError if it is empty, too long or badly quoted."""
    if len(template) > MAX_TEMPLATE_LENGTH:
        raise ResolverError(f"console_browser is longer than {MAX_TEMPLATE_LENGTH} characters")
    try:
        words = shlex.split(template)
    except ValueError as exc:
        raise ResolverError(f"console_browser cannot be split into words: {exc}") from None
    if not words:
        raise ResolverError("console_browser is empty")
    return words


def browser_argv(template: str, url: str) -> list[str]:
    """The command to run: each ``{url}`` replaced inside its own word (no ``str.format``:
    other braces in the template stay as they are)."""
    words = split_template(template)
    if PLACEHOLDER in words[0]:
        raise ResolverError("console_browser must start with a command, not {url}")
    if not any(PLACEHOLDER in word for word in words):
        return [*words, url]
    return [word.replace(PLACEHOLDER, url) for word in words]


def start(argv: list[str], environ: Mapping[str, str] | None = None) -> None:
    """Start ``argv`` detached, without waiting for it (browsers may run for hours)."""
    subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        env=None if environ is None else dict(environ),
    )


def open_with_template(template: str, url: str) -> None:
    """Start the ``console_browser`` command."""
    argv = browser_argv(template, url)
    try:
        start(argv)
    except OSError as exc:
        raise ResolverError(
            f"cannot run console_browser command {argv[0]!r}: {exc.strerror or exc}; "
            "use --print to get the URL"
        ) from None


def open_default(url: str, environ: Mapping[str, str], platform: str = sys.platform) -> None:
    """The platform's browser: ``webbrowser`` on macOS and Windows, else a graphical one
    (``graphical_command``), and only when there is a display."""
    if platform == "darwin" or platform.startswith("win"):
        import webbrowser

        if not webbrowser.open(url, new=2):
            raise ResolverError("no browser could be started; use --print to get the URL")
        return
    from resolver.providers.prompts.choose import has_display

    if not has_display(environ, platform):
        raise ResolverError(
            "no display to open a browser on (DISPLAY and WAYLAND_DISPLAY are unset), and a "
            "text browser would take this terminal: use --print to get the sign-in URL"
        )
    argv = graphical_command(url, environ)
    if argv is None:
        raise ResolverError(
            f"no graphical browser on PATH ({', '.join(GRAPHICAL[:3])}...); use --print to "
            "get the sign-in URL"
        )
    # xdg-open without a desktop environment tries $BROWSER, then text browsers too.
    child = {**environ, "BROWSER": os.pathsep.join(GRAPHICAL[1:])}
    try:
        start(argv, child)
    except OSError as exc:
        raise ResolverError(
            f"cannot run {argv[0]!r}: {exc.strerror or exc}; use --print to get the URL"
        ) from None


def graphical_command(url: str, environ: Mapping[str, str]) -> list[str] | None:
    """The first graphical browser on ``environ``'s PATH: ``BROWSER``'s entries (``%s``
    is the URL, as ``webbrowser`` reads them) except text browsers, then ``GRAPHICAL``."""
    path = environ.get("PATH", os.defpath)
    chosen = [entry for entry in environ.get("BROWSER", "").split(os.pathsep) if entry.strip()]
    for entry in [*chosen, *GRAPHICAL]:
        try:
            words = shlex.split(entry)
        except ValueError:
            continue
        if not words or os.path.basename(words[0]) in TERMINAL:
            continue
        program = shutil.which(words[0], path=path)
        if program is None:
            continue
        if any("%s" in word for word in words):
            return [program, *(word.replace("%s", url) for word in words[1:])]
        return [program, *words[1:], url]
    return None
