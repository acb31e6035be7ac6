"""Opening a sign-in URL: the profile's ``console_browser`` template, else ``webbrowser``.

A template such as ``firefox -P work --new-tab {url}`` is split like a shell would
(``shlex``) *before* the URL goes in, and the URL then replaces ``{url}`` inside single
arguments: it is always part of one argv element and never seen by a shell. A template
without ``{url}`` gets the URL as its last argument. Nothing here prints or logs the URL.
"""

from __future__ import annotations

import shlex
import subprocess

from resolver.errors import ResolverError

PLACEHOLDER = "{url}"
MAX_TEMPLATE_LENGTH = 4096


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


def open_with_template(template: str, url: str) -> None:
    """Start the browser command without waiting for it (browsers may run for hours)."""
    argv = browser_argv(template, url)
    try:
        subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise ResolverError(
            f"cannot run console_browser command {argv[0]!r}: {exc.strerror or exc}; "
            "use --print to get the URL"
        ) from None


def open_default(url: str) -> None:
    """The platform's browser, through ``webbrowser``."""
    import webbrowser

    if not webbrowser.open(url, new=2):
        raise ResolverError("no browser could be started; use --print to get the URL")
