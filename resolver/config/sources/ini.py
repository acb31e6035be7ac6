"""The AWS shared config and credentials files, read by the cross-SDK profile-file rules.

Laziness: ``parse_ini`` makes one cheap pass: it splits the text at every line starting
with ``[`` and classifies the headers with one compiled regex. A body is parsed only when
its section is first read (then cached), so loading a 50,000-profile file and resolving
one profile parses a handful of bodies. Consequences:

* header-level errors (unterminated header, property or continuation before the first
  header) raise from ``parse_ini`` / ``load_ini``; so does a file that is not UTF-8;
* body-level errors (no ``=``, empty key, stray continuation) raise only when their
  section is read: a malformed line in an unrelated profile does not stop resolving
  another one. ``IniDocument.check_all`` and ``check_ini`` parse every body and report
  every malformed line (``rolechain validate`` uses them);
* warnings about ignored sections are in ``RawConfig.warnings`` at once; warnings about
  ignored keys are appended to that list when their section is parsed.

Sub-property keys keep their case (they are tag names, service names...) and, as in the
SDKs, sub-property and continuation lines keep ``#``/``;`` text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from typing import Literal

from resolver.config.findings import Finding, Location
from resolver.config.sources.raw import RawConfig, RawSection, RawValue
from resolver.errors import ConfigError

FileKind = Literal["config", "credentials"]
IniValue = str | dict[str, str]

_WS, _WS_CR = " \t", " \t\r"
_IDENT = re.compile(r"[A-Za-z0-9_\-/.%@:+]+")
# Every line starting with '['; the common well-formed header is classified by the regex.
_HEADER = re.compile(
    r"\n\[(?:[ \t]*(?:(profile|sso-session|services)[ \t]+)?([A-Za-z0-9_\-/.%@:+]+)"
    r"[ \t]*\][ \t]*\r?(?=\n|$))?([^\n]*)"
)
_VALUE_COMMENT = re.compile(r"(?<=\s)[#;]")
_HEADER_COMMENT = re.compile(r"[#;]")
_PREFIX_SPLIT = re.compile(r"[ \t]")
_ALLOWED = "letters, digits and _-/.%@:+"


class IniDocument:
    """One scanned file: its sections by kind, each a list of chunk numbers.

    The text is split at every line starting with ``[``: chunk 0 is what precedes the
    first header, chunk ``i`` is header ``i`` and its body, parsed on demand.
    """

    def __init__(
        self, text: str, path: str, kind: FileKind, warnings: list[Finding] | None = None
    ) -> None:
        text = "\n" + (text[1:] if text.startswith("\ufeff") else text)
        self.path = path
        self.kind = kind
        self.profiles: dict[str, list[int]] = {}
        self.sso_sessions: dict[str, list[int]] = {}
        self.services: dict[str, list[int]] = {}
        self.errors: list[ConfigError] = []
        self.warnings: list[Finding] = [] if warnings is None else warnings
        self._chunks = text.split("\n[")
        self._line_table: list[int] | None = None
        self._parsed: dict[int, tuple[dict[str, RawValue], list[ConfigError]]] = {}
        self._check_preamble(self._chunks[0][1:])
        self._scan(_HEADER.findall(text))

    def header_line(self, chunk: int) -> int:
        """The 1-based line of chunk ``chunk``'s header (the table is built once)."""
        if self._line_table is None:
            counts = map(str.count, self._chunks, itertools.repeat("\n"))
            self._line_table = [0, *itertools.accumulate(counts)]
        return self._line_table[chunk] + chunk

    def _scan(self, headers: list[tuple[str, str, str]]) -> None:
        config = self.kind == "config"
        plain_default: list[int] = []  # config-file [default], dropped if [profile default]
        profiles = self.profiles
        for chunk, (prefix, name, rest) in enumerate(headers, start=1):
            if name and prefix == "profile" and config:  # the common case, kept cheap
                if name in profiles:
                    profiles[name].append(chunk)
                else:
                    profiles[name] = [chunk]
                continue
            self._place(chunk, prefix, name, rest, plain_default)
        if plain_default and profiles["default"]:
            for chunk in plain_default:
                message = "[default] ignored: [profile default] takes precedence"
                self._warn(message, self.header_line(chunk))
        elif plain_default:
            profiles["default"] = plain_default

    def _place(
        self, chunk: int, prefix: str, name: str, rest: str, plain_default: list[int]
    ) -> None:
        """File an uncommon header: unterminated (an error), a config file's plain
        ``[default]`` (set aside in ``plain_default``), or any other (``_target``)."""
        if not name:
            parts = _split_header(rest)
            if parts is None:  # unterminated
                message = "section header must end with ']'"
                self.errors.append(_syntax_error(message, self.path, self.header_line(chunk)))
                return
            prefix, name = parts[0] or "", parts[1]
        if self.kind == "config" and not prefix and name == "default":
            self.profiles.setdefault("default", [])
            plain_default.append(chunk)
            return
        target = self._target(prefix or None, name, chunk)
        if target is not None:
            target.append(chunk)

    def _target(self, prefix: str | None, name: str, chunk: int) -> list[int] | None:
        """The chunk list a header joins, or None (with a warning) if it is ignored."""
        header = f"[{prefix} {name}]" if prefix else f"[{name}]"
        if not _IDENT.fullmatch(name):
            why = f"names may contain only {_ALLOWED}"
        elif self.kind == "credentials":
            if prefix is None:
                return self.profiles.setdefault(name, [])
            why = f"the credentials file takes [{name}]"
        elif prefix is None:
            why = f"use [profile {name}] in the config file"
        elif prefix in ("profile", "sso-session", "services"):
            tables = {"profile": self.profiles, "sso-session": self.sso_sessions}
            return tables.get(prefix, self.services).setdefault(name, [])
        else:
            why = f"unknown section type '{prefix}'"
        self._warn(f"section {header} ignored: {why}", self.header_line(chunk))
        return None

    def _check_preamble(self, text: str) -> None:
        """Lines before the first header may only be blank or comments."""
        for number, raw in enumerate(text.split("\n"), start=1):
            if raw.strip(_WS_CR) and raw[0] not in "#;":
                message = "expected a section header such as [profile name] before this line"
                self.errors.append(_syntax_error(message, self.path, number))
                return

    def _warn(self, message: str, line: int, profile: str | None = None) -> None:
        location = Location(self.path, line)
        self.warnings.append(Finding("warning", message, profile=profile, location=location))

    def parse_chunk(
        self, chunk: int, label: str | None, profile: str | None = None, *, strict: bool = True
    ) -> dict[str, RawValue]:
        """A body's values (cached). ``label`` names the section in warnings (None: no
        warnings); with ``strict`` the first malformed line raises."""
        parsed = self._parsed.get(chunk)
        if parsed is None:
            parsed = self._parse_body(chunk, label, profile)
            self._parsed[chunk] = parsed
        if strict and parsed[1]:
            raise parsed[1][0]
        return parsed[0]

    def _parse_body(
        self, chunk: int, label: str | None, profile: str | None
    ) -> tuple[dict[str, RawValue], list[ConfigError]]:
        body = _Body(self.path)
        text = self._chunks[chunk].partition("\n")[2]
        for number, raw in enumerate(text.split("\n"), start=self.header_line(chunk) + 1):
            stripped = raw.strip(_WS_CR) if raw.endswith("\r") else raw.strip(_WS)
            if not stripped or raw[0] in "#;":
                continue
            if raw[0] in _WS:
                body.continuation(stripped, number)
                continue
            ignored = body.property(stripped, number)
            if ignored is not None and label is not None:
                where, word = "" if profile else f"{label}: ", re.split(r"\s", ignored)[0]
                message = f"{where}key '{word}' ignored: keys may contain only {_ALLOWED}"
                self._warn(message, number, profile)
        body.close()
        return body.values, body.errors

    def check_all(self) -> list[ConfigError]:
        """Parse every body (ignored sections too): all malformed lines, in line order."""
        errors = list(self.errors)
        labels: dict[int, tuple[str, str | None]] = {
            c: (name, name) for name, cs in self.profiles.items() for c in cs
        }
        for kind, table in (("sso-session", self.sso_sessions), ("services", self.services)):
            labels.update({c: (f"[{kind} {n}]", None) for n, cs in table.items() for c in cs})
        for chunk in range(1, len(self._chunks)):
            label, profile = labels.get(chunk, (None, None))
            self.parse_chunk(chunk, label, profile, strict=False)
            errors.extend(self._parsed[chunk][1])
        return sorted(errors, key=lambda error: error.line or 0)


class _Body:
    """One section body being parsed: its values and errors, and the open property
    (``key``: None when the property is not kept; ``recovering``: after a bad line)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.values: dict[str, RawValue] = {}
        self.errors: list[ConfigError] = []
        self.parts: list[str] = []
        self.key: str | None = None
        self.key_line = 0
        self.first = ""
        self.is_open = self.recovering = False

    def continuation(self, stripped: str, number: int) -> None:
        """An indented line: the next part of the open property, or an error."""
        if self.recovering:
            return
        if not self.is_open:
            message = "continuation line without a property before it"
            self.errors.append(_syntax_error(message, self.path, number))
            self.recovering = True
        elif not self.first and not _sub_property_ok(stripped):
            message = "expected 'name = value' in sub-property line"
            self.errors.append(_syntax_error(message, self.path, number))
        else:
            self.parts.append(stripped)

    def property(self, stripped: str, number: int) -> str | None:
        """A ``name = value`` line opens a property (closing the one before); returns the
        name when it is not a valid key (the property is then ignored)."""
        self.close()
        name, equals, first = _strip_comment(stripped).partition("=")
        name, self.first, self.parts, self.key = name.strip(_WS), first.strip(_WS), [], None
        self.is_open = bool(equals and name)
        self.recovering = not self.is_open
        if not self.is_open:
            message = "expected '=' in property line" if not equals else "property has no key"
            self.errors.append(_syntax_error(message, self.path, number))
        elif _IDENT.fullmatch(name):
            self.key, self.key_line = name.lower(), number
        else:
            return name
        return None

    def close(self) -> None:
        """Keep the open property's value, if it is kept."""
        if self.key is not None:
            value = RawValue(_finish(self.first, self.parts), Location(self.path, self.key_line))
            self.values[self.key] = value
            self.key = None


def _split_header(rest: str) -> tuple[str | None, str] | None:
    """A header line's (prefix, name) from the text after '[', or None if unterminated."""
    line = ("[" + rest).removesuffix("\r").strip(_WS)
    line = line[: found.start()].rstrip(_WS) if (found := _HEADER_COMMENT.search(line)) else line
    if len(line) < 2 or line[-1] != "]":
        return None
    parts = _PREFIX_SPLIT.split(line[1:-1].strip(_WS), maxsplit=1)
    return (None, parts[0].strip()) if len(parts) == 1 else (parts[0].strip(), parts[1].strip())


def _strip_comment(line: str) -> str:
    """Drop a ``#``/``;`` comment that follows whitespace."""
    if "#" not in line and ";" not in line:
        return line
    found = _VALUE_COMMENT.search(line)
    return line[: found.start()].rstrip(_WS) if found else line


def _sub_property_ok(line: str) -> bool:
    name, equals, _ = _strip_comment(line).partition("=")
    return bool(equals) and bool(name.strip(_WS))


def _finish(first: str, parts: list[str]) -> IniValue:
    """A property's final value: a sub-property dict after an empty value, else text."""
    if first or not parts:
        return "\n".join([first, *parts])
    return {n.strip(_WS): v.strip(_WS) for n, _, v in (part.partition("=") for part in parts)}


class LazySections(Mapping[str, RawSection]):
    """Sections merged across files, each body parsed on first access.

    Later spans win key by key: repeated sections in file order, then the next file (the
    credentials file after the config file). A section's location is its first header.
    """

    def __init__(self, sources: list[tuple[IniDocument, dict[str, list[int]]]], kind: str):
        self._sources = sources
        self._kind = kind
        self._names = dict.fromkeys(name for _, table in sources for name in table)
        self._cache: dict[str, RawSection] = {}

    def __getitem__(self, name: str) -> RawSection:
        section = self._cache.get(name)
        if section is not None:
            return section
        if name not in self._names:
            raise KeyError(name)
        profile = name if self._kind == "profile" else None
        label = name if profile else f"[{self._kind} {name}]"
        values: dict[str, RawValue] = {}
        location: Location | None = None
        for document, table in self._sources:
            for chunk in table.get(name, ()):
                values.update(document.parse_chunk(chunk, label, profile))
                location = location or Location(document.path, document.header_line(chunk))
        section = RawSection(name, location or Location(""), "ini", values)
        self._cache[name] = section
        return section

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


def parse_ini(
    text: str,
    *,
    path: str,
    kind: FileKind,
    warnings: list[Finding] | None = None,
    strict: bool = True,
) -> IniDocument:
    """Scan one file's text (headers only). Findings go to ``warnings``; with ``strict`` the
    first header-level error raises, else it waits in ``IniDocument.errors``."""
    document = IniDocument(text, path, kind, warnings)
    if strict and document.errors:
        raise document.errors[0]
    return document


def raw_config(documents: list[IniDocument], warnings: list[Finding]) -> RawConfig:
    """A lazy merged view, later documents winning; ``warnings`` should be the list the
    documents were scanned with, so that body warnings land in it as sections are read."""
    return RawConfig(
        profiles=LazySections([(doc, doc.profiles) for doc in documents], "profile"),
        sso_sessions=LazySections([(doc, doc.sso_sessions) for doc in documents], "sso-session"),
        services=LazySections([(doc, doc.services) for doc in documents], "services"),
        warnings=warnings,
        files=tuple(doc.path for doc in documents),
    )


def _syntax_error(message: str, path: str, line: int | None) -> ConfigError:
    """A malformed line of an INI file."""
    return ConfigError(message, file=path, line=line, reason="invalid-ini")
