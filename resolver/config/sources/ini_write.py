"""Writing the AWS shared files: ``dump_ini``, the inverse of ``parse_ini`` (``ini.py``),
and ``without_profiles``, which takes profiles' sections out keeping every other byte."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping

from resolver.config.sources.ini import (
    _HEADER,
    _IDENT,
    _WS,
    _WS_CR,
    FileKind,
    _split_header,
    _strip_comment,
    _sub_property_ok,
)

SectionValues = Mapping[str, str | Mapping[str, str]]


def dump_ini(
    profiles: Mapping[str, SectionValues],
    sso_sessions: Mapping[str, SectionValues] | None = None,
    services: Mapping[str, SectionValues] | None = None,
) -> str:
    """Config-file text for these sections; ``parse_ini`` gives them back unchanged.

    Raises ValueError (naming section and key, never the value) for what the syntax cannot
    hold or another reader (botocore's configparser) would read otherwise: invalid or
    upper-case names, a ``:`` in a key, surrounding whitespace, empty continuation lines,
    a control character or line break other than the ``\\n`` of continuation lines, a
    comment-like `` #``/`` ;`` in a first line or ``#``/``;`` starting a continuation
    line, an empty sub-property block.
    """
    chunks = [
        _dump_section("[default]" if name == "default" else f"[profile {name}]", name, values)
        for name, values in profiles.items()
    ]
    for kind, table in (("sso-session", sso_sessions or {}), ("services", services or {})):
        chunks += [_dump_section(f"[{kind} {n}]", n, values) for n, values in table.items()]
    return "\n".join(chunks)


def _dump_section(header: str, name: str, values: SectionValues) -> str:
    if not _IDENT.fullmatch(name):
        raise ValueError(f"section {header} cannot be written: invalid name")
    lines = [header]
    for key, value in values.items():
        if not _IDENT.fullmatch(key) or key != key.lower() or ":" in key:  # ':' splits it
            raise ValueError(f"{header} key {key!r} cannot be written: invalid key")
        entries = _text_entries(key, value) if isinstance(value, str) else _block(key, value)
        if entries is None:
            raise ValueError(f"{header} key {key!r} cannot be written: value does not fit INI")
        lines += entries
    return "\n".join(lines) + "\n"


def _text_entries(key: str, value: str) -> list[str] | None:
    """A text value's lines (continuations indented), or None if it would not read back."""
    first, *rest = value.split("\n")
    entries = [f"{key} = {first}".rstrip(_WS), *(f"  {part}" for part in rest)]
    fits = _strip_comment(entries[0]) == entries[0] and all(
        _part_fits(part) and (part or not rest) for part in (first, *rest)
    )
    fits = fits and not any(part.startswith(("#", ";")) for part in rest)
    return entries if fits else None


def _block(key: str, value: Mapping[str, str]) -> list[str] | None:
    """A sub-property block's lines, or None if it is empty or would not read back."""
    block = [_block_entry(k, v) for k, v in value.items()]
    if not block or not all(block):
        return None
    return [f"{key} =", *(f"  {entry}" for entry in block if entry)]


def _part_fits(text: str) -> bool:
    """True for a line part every reader keeps as it is: printable (no line break of any
    reader's, no control character) and without surrounding whitespace of any kind
    (configparser and botocore strip Unicode whitespace, rolechain spaces and tabs)."""
    return text.isprintable() and text == text.strip()


def _block_entry(name: str, value: str) -> str | None:
    """``name = value`` as a sub-property line, or None if it would not read back."""
    entry = f"{name} = {value}".rstrip(_WS)
    fits = name and _part_fits(name) and "=" not in name and _part_fits(value)
    unsafe = name.startswith(("#", ";")) or not _sub_property_ok(entry)  # a comment to some
    return entry if fits and not unsafe else None


def _lines(text: str) -> list[str]:
    """``text`` split after each ``\\n`` only (as the INI readers split it), ends kept."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _header_profile(line: str, kind: FileKind) -> str | None:
    """The profile a header line opens in a file of ``kind``, or None (not a header, or
    a section of another type, or one the readers ignore)."""
    match = _HEADER.match("\n" + line.rstrip("\n"))
    if match is None:
        return None
    prefix, name, rest = match.groups()
    if not name:
        parts = _split_header(rest)
        if parts is None:
            return None
        prefix, name = parts[0] or "", parts[1]
    if not _IDENT.fullmatch(name):
        return None
    if kind == "credentials":
        return None if prefix else name
    return name if prefix == "profile" or (not prefix and name == "default") else None


def profile_spans(text: str, kind: FileKind) -> dict[str, list[tuple[int, int]]]:
    """Each profile's sections in ``text`` as line ranges ``[header, next header)``."""
    lines = _lines(text)
    starts = [i for i, line in enumerate(lines) if line.startswith("[")] + [len(lines)]
    spans: dict[str, list[tuple[int, int]]] = {}
    for start, end in itertools.pairwise(starts):
        name = _header_profile(lines[start], kind)
        if name is not None:
            spans.setdefault(name, []).append((start, end))
    return spans


def without_profiles(text: str, kind: FileKind, names: Collection[str]) -> str:
    """``text`` without the sections of profiles ``names``; every other byte stays.

    A section is its header line and the lines up to the next header, but for the
    comment lines that end it (they often introduce what follows): those stay."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = _lines(text[len(bom) :])
    drop: set[int] = set()
    for name, spans in profile_spans(text[len(bom) :], kind).items():
        for start, end in spans if name in names else ():
            while end > start + 1 and lines[end - 1][:1] in ("#", ";"):
                end -= 1
            drop.update(range(start, end))
    return bom + "".join(line for i, line in enumerate(lines) if i not in drop)


def without_keys(text: str, kind: FileKind, names: Collection[str], keys: Collection[str]) -> str:
    """``text`` without the ``keys`` property lines of profiles ``names``."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    lines = _lines(text[len(bom) :])
    drop = {
        i
        for name, spans in profile_spans(text[len(bom) :], kind).items()
        if name in names
        for start, end in spans
        for i in range(start + 1, end)
        if lines[i][:1] not in ("#", ";", " ", "\t")
        and lines[i].partition("=")[0].strip(_WS_CR).lower() in keys
    }
    return bom + "".join(line for i, line in enumerate(lines) if i not in drop)
