"""The profiles ``rolechain sso populate`` writes: their names and their block of the
TOML profiles file. Pure text: stdlib only.

Names come from a template (``--name``, default ``{account_name}.{role_name}``) whose
fields are filled with sanitised values: ASCII letters, digits, ``.``, ``_`` and ``-``
only (accents are dropped, any other run of characters becomes one ``-``), so a hostile
account name (quotes, newlines, ``]``, escapes) can never reach the file but as a
JSON-escaped ASCII comment. An account name with nothing left names the account by id.

All profiles of one sso-session live in one block between two marker comments, which
name it; a later run replaces that block and nothing else: every byte outside it stays.
A user's profile is one outside every block.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from resolver.errors import ConfigError

DEFAULT_TEMPLATE = "{account_name}.{role_name}"
TEMPLATE_FIELDS = ("account_name", "account_id", "role_name", "sso_session")
MAX_NAME_CHARS = 128
COLLISION_REASON = "populate-collision"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME = re.compile(rf"[\w.@+=,:/-]{{1,{MAX_NAME_CHARS}}}", re.ASCII)


@dataclass(frozen=True)
class SsoProfile:
    """One generated profile: its name and what it holds (``region`` optional)."""

    name: str
    sso_session: str
    account_id: str
    account_name: str
    role_name: str
    region: str | None = None

    def values(self) -> dict[str, str]:
        """The profile's keys, as the TOML file holds them."""
        found = {
            "sso_session": self.sso_session,
            "sso_account_id": self.account_id,
            "sso_role_name": self.role_name,
        }
        if self.region:
            found["region"] = self.region
        return found


def check_template(template: str) -> None:
    """ConfigError unless ``template`` is text with ``{field}``s of ``TEMPLATE_FIELDS``
    (no attribute, index, conversion or format spec) and names a role."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ConfigError(f"--name {template!r}: {exc}", reason="invalid-name-template") from None
    fields = [field for _, field, _, _ in parts if field is not None]
    for _, field, spec, conversion in parts:
        if field is not None and (field not in TEMPLATE_FIELDS or spec or conversion):
            raise ConfigError(
                f"--name {template!r}: {{{field}}} is not one of "
                + ", ".join(f"{{{name}}}" for name in TEMPLATE_FIELDS),
                reason="invalid-name-template",
            )
    if "role_name" not in fields:
        raise ConfigError(
            f"--name {template!r} must contain {{role_name}}: an account has several roles",
            reason="invalid-name-template",
        )


def sanitized(value: str) -> str:
    """``value`` as a safe name part: accents dropped, runs of other characters ``-``."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _UNSAFE.sub("-", plain).strip("-.")


def profile_name(template: str, sso_session: str, account_id: str, account: str, role: str) -> str:
    """The name ``template`` gives this role (``check_template`` first); ConfigError if the
    result is no usable profile name."""
    name = template.format(
        account_name=sanitized(account) or account_id,
        account_id=account_id,
        role_name=sanitized(role),
        sso_session=sanitized(sso_session) or "sso",
    )
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"--name {template!r} makes {name[:80]!r}, which is no profile name: "
            f"1-{MAX_NAME_CHARS} characters of letters, digits and . _ - @ + = , : /",
            reason="invalid-name-template",
        )
    return name


def duplicate_names(profiles: Iterable[SsoProfile]) -> None:
    """ConfigError (``populate-collision``) when two roles get one name."""
    seen: dict[str, SsoProfile] = {}
    for profile in profiles:
        other = seen.setdefault(profile.name, profile)
        if other is not profile:
            raise ConfigError(
                f"--name gives {profile.name!r} to both {other.role_name} in account "
                f"{other.account_id} and {profile.role_name} in account {profile.account_id}; "
                "put {account_id} in --name (e.g. --name '{account_id}.{role_name}')",
                reason=COLLISION_REASON,
            )


def begin_marker(sso_session: str) -> str:
    """The comment line a session's block starts with (the name JSON-quoted: ASCII)."""
    quoted = json.dumps(sso_session)
    return f"# >>> rolechain sso populate --sso-session {quoted}: generated, do not edit >>>"


def end_marker(sso_session: str) -> str:
    """The comment line a session's block ends with."""
    return f"# <<< rolechain sso populate --sso-session {json.dumps(sso_session)} <<<"


def render_block(sso_session: str, profiles: Iterable[SsoProfile], newline: str = "\n") -> str:
    """The block holding ``profiles`` (by name), or "" when there is none."""
    from resolver.config.convert import toml_key, toml_value

    chosen = sorted(profiles, key=lambda profile: profile.name)
    if not chosen:
        return ""
    lines = [
        begin_marker(sso_session),
        "# A later `rolechain sso populate` replaces this block: to change a profile, copy it",
        "# out of the block under another name.",
    ]
    for profile in chosen:
        lines += ["", f"# account {profile.account_id} {json.dumps(profile.account_name)}"]
        lines.append(f"[profiles.{toml_key(profile.name)}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in profile.values().items()]
    lines += ["", end_marker(sso_session)]
    return newline.join(lines) + newline


@dataclass(frozen=True)
class Block:
    """Where a session's block is in a text: the lines before it, in it and after it."""

    before: str
    inside: str
    after: str


def find_block(text: str, sso_session: str, file: str) -> Block | None:
    """The session's block in ``text``, or None; ConfigError when its markers are damaged
    (not exactly one begin line, then one end line)."""
    lines = text.splitlines(keepends=True)
    begin, end = begin_marker(sso_session), end_marker(sso_session)
    starts = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == begin]
    ends = [i for i, line in enumerate(lines) if line.rstrip("\r\n") == end]
    if not starts and not ends:
        return None
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ConfigError(
            f"the marker lines of sso-session {sso_session}'s generated block are damaged "
            f"({len(starts)} begin, {len(ends)} end lines): restore them or delete the block",
            file=file,
        )
    first, last = starts[0], ends[0] + 1
    return Block("".join(lines[:first]), "".join(lines[first:last]), "".join(lines[last:]))


def newline_of(text: str) -> str:
    """The line ending ``text`` uses (its first line's), ``\\n`` by default."""
    first = text.split("\n", 1)[0]
    return "\r\n" if "\n" in text and first.endswith("\r") else "\n"


def with_block(text: str, block: Block | None, new_block: str) -> str:
    """``text`` with the session's block replaced by ``new_block`` (in place), or, when it
    had none, ``new_block`` appended after a blank line; every other byte kept."""
    if block is not None:
        return block.before + new_block + block.after
    if not new_block:
        return text
    if not text.strip():
        return text + new_block
    newline = newline_of(text)
    return text + ("" if text.endswith("\n") else newline) + newline + new_block


def expected_profiles(
    outside: Mapping[str, Mapping[str, object]], generated: Iterable[SsoProfile]
) -> dict[str, dict[str, object]]:
    """The profiles a file must hold: the user's (``outside`` the block) and the generated."""
    merged = {name: dict(values) for name, values in outside.items()}
    merged.update({profile.name: dict(profile.values()) for profile in generated})
    return merged
