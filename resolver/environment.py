"""What an environment mapping says about home, ``~`` and the cache: the readings the
``Context`` (``resolver.context``) is built from and the warm ``export`` path needs too.

Kept apart from ``resolver.context`` because the warm path cannot afford its dataclass:
``dataclasses`` imports ``inspect``, which would cost a ready answer a third again. Only
``os`` and ``sys`` (loaded with the interpreter) are imported; no hint is evaluated.
"""

import os
import sys

TYPE_CHECKING = False  # typing would cost the warm path 10%: quoted hints
if TYPE_CHECKING:
    from collections.abc import Mapping

_TRUE = ("1", "true", "yes", "on")
_PLATFORM_DIRS = ("win32", "cygwin", "darwin", "ios", "android", "emscripten", "wasi")


def current_directory() -> str:
    """The process's working directory, or ``?`` when it no longer exists."""
    try:
        return os.getcwd()
    except OSError:
        return "?"


def home_directory(environ: "Mapping[str, str]") -> str:
    """``HOME`` (on Windows ``USERPROFILE``) in ``environ``, else the password database's."""
    named = environ.get("HOME") or (environ.get("USERPROFILE") if os.name == "nt" else None)
    if named:
        return named
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_dir
    except (ImportError, KeyError):  # pragma: no cover - Windows without USERPROFILE
        return os.path.expanduser("~")


def expand_home(path: str, environ: "Mapping[str, str]") -> str:
    """``path`` with a leading ``~`` from ``environ``'s home (``~user``: that user's)."""
    if path == "~" or path.startswith(("~/", "~" + os.sep)):
        return home_directory(environ) + path[1:]
    return os.path.expanduser(path) if path.startswith("~") else path


def cache_disabled(environ: "Mapping[str, str]") -> bool:
    """True when ``ROLECHAIN_NO_CACHE`` is set to a true value (1, true, yes, on)."""
    return environ.get("ROLECHAIN_NO_CACHE", "").strip().lower() in _TRUE


def cache_directory(environ: "Mapping[str, str]") -> str:
    """``ROLECHAIN_CACHE_DIR``, else the user cache directory's ``rolechain``: on Linux and
    the BSDs the XDG rule (``$XDG_CACHE_HOME`` when absolute, else ``~/.cache``), applied
    directly (platformdirs would cost a third of a warm answer); elsewhere platformdirs."""
    configured = environ.get("ROLECHAIN_CACHE_DIR", "").strip()
    if configured:
        return expand_home(configured, environ)
    if sys.platform in _PLATFORM_DIRS:
        import platformdirs

        return platformdirs.user_cache_dir("rolechain", appauthor=False)
    base = environ.get("XDG_CACHE_HOME", "")
    if not base.startswith("/"):
        base = expand_home("~/.cache", environ)
    return os.path.join(base, "rolechain")
