"""rolechain's native TOML profiles file: typed values, templates and ``extends``.

Shape: ``version = 1`` (optional), ``[profiles.NAME]``, ``[templates.NAME]``,
``[sso_sessions.NAME]`` and ``[services.NAME.SERVICE]``. A profile or template may say
``extends = "T"`` or ``extends = ["A", "B"]``: it gets every key of those templates that
it does not set itself, later templates winning over earlier ones; templates may extend
templates. ``extends`` is resolved here and dropped; key names are checked by the model.

tomllib reports no positions, so a light line scan maps table headers and ``key =``
lines to line numbers; keys it cannot place (inline tables) get their table's line, or
None. Inherited values keep the template's location.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.config.findings import Location
from resolver.config.sources.files import read_text
from resolver.config.sources.flat_tables import flat_tables
from resolver.config.sources.raw import RawConfig, RawSection, RawValue
from resolver.config.values import MAX_NESTING_DEPTH
from resolver.context import expand_home, home_directory
from resolver.errors import ConfigError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found, no-redef, unused-ignore]

TOP_LEVEL_KEYS = ("version", "profiles", "templates", "sso_sessions", "services")
MAX_EXTENDS_DEPTH = 16  # templates extending templates
KeyPath = tuple[str, ...]
# Patterns as text: ``re`` compiles (and caches) them when a TOML file is read, not on import.

_PART = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_DOTTED = rf"{_PART}(?:[ \t]*\.[ \t]*{_PART})*"
_TABLE_LINE = rf"[ \t]*\[(\[?)[ \t]*({_DOTTED})[ \t]*\]\]?[ \t]*(?:#.*)?"
_KEY_LINE = rf"[ \t]*({_DOTTED})[ \t]*=(.*)"
_KEY_PART = _PART
_AT_LINE = r"\s*\(at line (\d+), column (\d+)\)\s*$"
_AT_END = r"\s*\(at end of document\)\s*$"


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib as toml
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as toml
    return toml


NAME = "profiles.toml"


def default_toml_path(environ: Mapping[str, str]) -> Path:
    """``<user config dir>/rolechain/profiles.toml``, as ``environ`` names it: on Linux and
    the BSDs ``$XDG_CONFIG_HOME`` when absolute, else ``~/.config``; on macOS and Windows
    platformdirs' rule, applied to ``environ`` (platformdirs reads the process's)."""
    if sys.platform in ("win32", "cygwin", "darwin", "ios", "android", "emscripten", "wasi"):
        if sys.platform == "darwin":
            return Path(
                home_directory(environ), "Library", "Application Support", "rolechain", NAME
            )
        local = environ.get("LOCALAPPDATA") or os.path.join(
            home_directory(environ), "AppData", "Local"
        )
        return Path(local, "rolechain", NAME)
    base = environ.get("XDG_CONFIG_HOME", "")
    if not base.startswith("/"):
        base = os.path.join(home_directory(environ), ".config")
    return Path(base, "rolechain", NAME)


def toml_path(explicit: str | os.PathLike[str] | None, environ: Mapping[str, str]) -> Path:
    """The profiles file: ``explicit`` (``--config``), else ``ROLECHAIN_CONFIG``, else
    ``default_toml_path()``."""
    chosen = explicit if explicit is not None else environ.get("ROLECHAIN_CONFIG")
    return Path(expand_home(os.fspath(chosen), environ)) if chosen else default_toml_path(environ)


def load_toml(
    path: str | os.PathLike[str] | None,
    problems: list[ConfigError] | None,
    environ: Mapping[str, str],
) -> RawConfig:
    """Read the profiles file chosen by ``toml_path(path, environ)``.

    A missing file is empty when it is the platformdirs default, and a ConfigError when
    it was named (``path`` or ``ROLECHAIN_CONFIG``). ``problems``: see ``parse_toml``.
    """
    target = toml_path(path, environ)
    text = read_text(target)
    if text is None:
        if target == default_toml_path(environ):
            return RawConfig()
        raise ConfigError("config file not found", file=str(target), reason="missing-config-file")
    return parse_toml(text, path=str(target), problems=problems)


def parse_toml(text: str, *, path: str, problems: list[ConfigError] | None = None) -> RawConfig:
    """Parse profiles-file text; ``path`` names the file in locations and errors.

    The first problem raises a ConfigError; with a ``problems`` list (``validate``) every
    problem is appended instead, and what it affects (the file, a section) is left out.
    tomllib is imported only for a file with something in it (an empty or blank file,
    the usual case for INI users, is no TOML document worth 3 ms of imports).
    """
    report = _Report(problems)
    try:
        _check_brackets(text, path)
        lines = _line_index(text)
        _check_depth({}, path, lines)  # dotted keys and headers, before the parser sees them
        data: dict[str, Any] = {}
        if text.strip():
            toml = _tomllib()
            try:
                data = toml.loads(text)
            except toml.TOMLDecodeError as exc:
                raise _syntax_error(exc, text, path) from None
        _check_depth(data, path, lines)
    except ConfigError as unreadable:
        report(unreadable)
        return RawConfig(files=(path,), broken=unreadable)

    def where(*keys: str) -> Location:
        """The key's line, else its section's (inline tables), else unknown."""
        for size in range(len(keys), min(len(keys), 2) - 1, -1):
            if (line := lines.get(keys[:size])) is not None:
                return Location(path, line)
        return Location(path)

    for key in data:
        if key not in TOP_LEVEL_KEYS:
            from difflib import get_close_matches

            close = get_close_matches(key, TOP_LEVEL_KEYS, n=1)
            hint = f"did you mean '{close[0]}'?" if close else ""
            hint = hint or f"expected {', '.join(TOP_LEVEL_KEYS)}"
            message = f"unknown top-level key '{key}'; {hint}"
            report(ConfigError(message, file=path, line=lines.get((key,)), reason="unknown-key"))
    version = data.get("version", 1)
    if type(version) is not int or version != 1:
        line = lines.get(("version",))
        report(ConfigError("unsupported 'version'; expected version = 1", file=path, line=line))

    templates = _tables(data, "templates", where, report)
    resolver = _Extends(templates, where)
    profiles = {
        name: RawSection(name, where("profiles", name), "toml", values)
        for name, table in _tables(data, "profiles", where, report).items()
        if (values := report.attempt(resolver.profile, name, table)) is not None
    }
    for name in templates:
        report.attempt(resolver.template, name, ())
    sso_sessions = {
        name: RawSection(
            name, where("sso_sessions", name), "toml", _values(table, where, "sso_sessions", name)
        )
        for name, table in _tables(data, "sso_sessions", where, report).items()
    }
    services = {
        name: RawSection(
            name, where("services", name), "toml", _values(table, where, "services", name)
        )
        for name, table in _tables(data, "services", where, report).items()
    }
    return RawConfig(profiles=profiles, sso_sessions=sso_sessions, services=services, files=(path,))


class _Report:
    """Raises each problem, or appends it to ``problems`` when given one."""

    def __init__(self, problems: list[ConfigError] | None) -> None:
        self._problems = problems

    def __call__(self, error: ConfigError) -> None:
        if self._problems is None:
            raise error
        self._problems.append(error)

    def attempt(self, build: Callable[..., dict[str, RawValue]], *args: Any) -> Any:
        """``build(*args)``, or None after reporting its ConfigError."""
        try:
            return build(*args)
        except ConfigError as error:
            self(error)
            return None


Where = Callable[..., Location]


def _tables(
    data: Mapping[str, Any], kind: str, where: Where, report: _Report
) -> dict[str, dict[str, Any]]:
    """``data[kind]`` as a table of tables (``{}`` when absent), bad entries reported."""
    section = data.get(kind, {})
    if not isinstance(section, dict):
        report(_error(f"'{kind}' must be a table such as [{kind}.NAME]", where(kind)))
        return {}
    tables: dict[str, dict[str, Any]] = {}
    for name, table in section.items():
        if bad_name(name):
            message = (
                f"invalid name {name!r} in '{kind}': names may not be empty or contain "
                "'[', ']' or control characters"
            )
            report(_error(message, where(kind, name)))
        elif not isinstance(table, dict):
            profile = name if kind == "profiles" else None  # that profile cannot resolve
            report(_error(f"'{kind}.{name}' must be a table", where(kind, name), profile))
        else:
            tables[name] = table
    return tables


def bad_name(name: str) -> bool:
    """True for a section name the INI files could not hold: empty, or with '[', ']' or
    a control (non-printable) character; such a name would break ``export --format ini``
    and could carry terminal escapes."""
    return not name.strip() or "[" in name or "]" in name or not name.isprintable()


def _values(table: Mapping[str, Any], where: Where, *keys: str) -> dict[str, RawValue]:
    return {key: RawValue(value, where(*keys, key)) for key, value in table.items()}


def _error(message: str, at: Location, profile: str | None = None, reason: str = "") -> ConfigError:
    return ConfigError(message, file=at.file, line=at.line, profile=profile, reason=reason or None)


class _Extends:
    """Applies ``extends``: templates first (in order, later winning), then own keys."""

    def __init__(self, templates: dict[str, dict[str, Any]], where: Where) -> None:
        self._templates = templates
        self._where = where
        self._done: dict[str, dict[str, RawValue]] = {}

    def profile(self, name: str, table: Mapping[str, Any]) -> dict[str, RawValue]:
        return self._merge(("profiles", name), table, (f"profile {name}",), name)

    def template(
        self, name: str, trail: tuple[str, ...], profile: str | None = None
    ) -> dict[str, RawValue]:
        done = self._done.get(name)
        if done is None:
            trail = trail or (f"template {name}",)
            done = self._merge(("templates", name), self._templates[name], trail, profile)
            self._done[name] = done
        return done

    def _merge(
        self, keys: KeyPath, table: Mapping[str, Any], trail: tuple[str, ...], profile: str | None
    ) -> dict[str, RawValue]:
        at = self._where(*keys, "extends")
        parents = table.get("extends", [])
        if isinstance(parents, str):
            parents = [parents]
        if not isinstance(parents, list) or not all(isinstance(p, str) for p in parents):
            raise _error("'extends' must be a template name or a list of names", at, profile)
        merged: dict[str, RawValue] = {}
        if parents and len(trail) > MAX_EXTENDS_DEPTH:
            message = f"extends is more than {MAX_EXTENDS_DEPTH} templates deep"
            raise _error(f"{message}: {' -> '.join(trail[:3])} -> ...", at, profile)
        for parent in parents:
            step = f"template {parent}"
            if step in trail:
                loop = " -> ".join((*trail, step))
                raise _error(f"extends loop: {loop}", at, profile, reason="extends-loop")
            if parent not in self._templates:
                chain = " -> ".join(trail)
                message = f"unknown template '{parent}' in extends ({chain})"
                raise _error(message, at, profile, reason="missing-template")
            merged.update(self.template(parent, (*trail, step), profile))
        own = _values({k: v for k, v in table.items() if k != "extends"}, self._where, *keys)
        merged.update(flat_tables(own, keys, self._where, profile))
        return merged


_NESTING_TOKENS = (
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}]'
)


def _check_brackets(text: str, path: str) -> None:
    """Refuse arrays and inline tables nested deeper than ``MAX_NESTING_DEPTH`` before
    tomllib (which recurses per level) sees them."""
    depth = 0
    for token in re.finditer(_NESTING_TOKENS, text):
        char = token.group()
        if char in ("[", "{"):
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                line = text.count("\n", 0, token.start()) + 1
                message = f"values nest deeper than {MAX_NESTING_DEPTH} levels"
                raise ConfigError(message, file=path, line=line, reason="too-deep")
        elif char in ("]", "}"):
            depth = max(depth - 1, 0)


def _check_depth(data: Mapping[str, Any], path: str, lines: Mapping[KeyPath, int]) -> None:
    """Refuse tables nested deeper than ``MAX_NESTING_DEPTH`` (dotted keys and headers
    such as ``[a.b.c...]``, in ``data`` or in the scan's ``lines``: tomli, Python 3.10's
    parser, refuses a key of 1,000 parts itself, with a RecursionError), without recursion."""
    stack: list[tuple[KeyPath, Any]] = [((), data), *((keys, None) for keys in lines)]
    while stack:
        keys, value = stack.pop()
        if len(keys) > MAX_NESTING_DEPTH + 2:  # profiles.NAME.<value>
            message = f"tables nest deeper than {MAX_NESTING_DEPTH} levels"
            raise ConfigError(message, file=path, line=lines.get(keys[:2]), reason="too-deep")
        if isinstance(value, dict):
            stack.extend(((*keys, str(key)), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*keys, "[]"), item) for item in value)


def _syntax_error(exc: tomllib.TOMLDecodeError, text: str, path: str) -> ConfigError:
    """tomllib's message with its "(at line N, column M)" turned into a line number."""
    message, line = str(exc), None
    found = re.search(_AT_LINE, message)
    if found:
        message, line = f"{message[: found.start()]} (column {found[2]})", int(found[1])
    elif end := re.search(_AT_END, message):
        message, line = message[: end.start()], text.rstrip("\n").count("\n") + 1
    return ConfigError(f"invalid TOML: {message}", file=path, line=line, reason="invalid-toml")


def _line_index(text: str) -> dict[KeyPath, int]:
    """First line of every table header and ``key =`` path, and of each path prefix.

    A light scan, not a parser: multi-line arrays and strings are skipped so that their
    contents are not taken for keys; keys inside inline tables are not seen.
    """
    first: dict[KeyPath, int] = {}
    table: KeyPath = ()
    depth, closer = 0, ""  # open brackets, open multi-line string delimiter

    def record(path: KeyPath, number: int) -> None:
        for size in range(1, len(path) + 1):
            first.setdefault(path[:size], number)

    for number, line in enumerate(text.split("\n"), start=1):
        if closer:
            end = line.find(closer)
            if end >= 0:
                depth, closer = _still_open(line[end + 3 :], depth)
        elif depth:
            depth, closer = _still_open(line, depth)
        elif header := re.fullmatch(_TABLE_LINE, line.rstrip("\r")):
            parts = _key_parts(header[2])
            record(parts, number)
            table = (*parts, "[]") if header[1] else parts
        elif key := re.match(_KEY_LINE, line):
            record((*table, *_key_parts(key[1])), number)
            depth, closer = _still_open(key[2], 0)
    return first


_TOKENS = r'"""|\'\'\'|"(?:[^"\\]|\\.)*"|\'[^\']*\'|[\[\]{}#]'


def _still_open(text: str, depth: int) -> tuple[int, str]:
    """Bracket depth and unclosed multi-line string delimiter after ``text``."""
    pos, tokens = 0, re.compile(_TOKENS)  # re's cache: compiled once, when a file is read
    while found := tokens.search(text, pos):
        token, pos = found.group(), found.end()
        if token in ('"""', "'''"):
            end = text.find(token, pos)
            if end < 0:
                return depth, token
            pos = end + 3
        elif token == "#":
            break
        elif token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
    return max(depth, 0), ""


def _key_parts(dotted: str) -> KeyPath:
    return tuple(_unquote(part) for part in re.findall(_KEY_PART, dotted))


def _unquote(part: str) -> str:
    if part.startswith('"'):
        try:
            return str(json.loads(part))
        except ValueError:
            return part[1:-1]
    return part[1:-1] if part.startswith("'") else part
