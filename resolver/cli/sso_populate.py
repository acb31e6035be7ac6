"""``rolechain sso populate --sso-session NAME``: a TOML profile for every account and
role the sso-session's cached token can reach (the SSO portal's ListAccounts and
ListAccountRoles, ``providers/bases/sso_portal.py``).

The profiles go into the TOML file rolechain reads (``--file`` for another), in the
sso-session's block (``config/sso_profiles.py``): a later run rewrites that block only,
so profiles of roles that are gone disappear and every byte outside it stays. A name
already used by a profile the user wrote (outside the block, or in the AWS files) is
refused, as are two roles with one name. The file is written as every rewrite is: the
portal is listed first, then under the file's edit lock (``cli/edits.py``) the file is
read again, the new text is checked (it parses to exactly the user's profiles plus the
generated ones, and each generated profile plans), the old file is backed up and the new
one replaces it atomically (``credentials_rewrite.write_with_backup``). ``--dry-run``
prints the change as a unified diff and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from resolver.config.sso_profiles import SsoProfile
from resolver.context import Context
from resolver.errors import ConfigError, ResolverError, printable

if TYPE_CHECKING:
    from resolver.config.profiles import ProfileSet
    from resolver.providers.bases.sso_device import SsoLoginTarget

    SessionTarget = Callable[[ProfileSet, str], SsoLoginTarget]

SHOWN_NAMES = 50  # changed profile names listed one per line; the rest counted


@dataclass
class Change:
    """The file before and after, and the generated profiles by what happens to them."""

    old_text: str | None
    new_text: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def populate(args: argparse.Namespace, ctx: Context, session_target: SessionTarget) -> int:
    """List the portal, then write (or with ``--dry-run`` show) the session's block;
    ``session_target``: the sso-session's start URL and region (``cmd_sso``'s)."""
    from resolver.cli.edits import editing
    from resolver.config.loading import load_profiles
    from resolver.config.sources.tomlfile import toml_path
    from resolver.config.sso_profiles import DEFAULT_TEMPLATE, check_template, duplicate_names
    from resolver.providers.bases.sso_portal import list_assignments

    template = DEFAULT_TEMPLATE if args.name is None else args.name
    check_template(template)
    _check_region(args.region)
    target = session_target(load_profiles(args.config, ctx.environ), args.sso_session)
    session = args.sso_session
    path = toml_path(args.file or args.config, ctx.environ)
    found = list_assignments(target.start_url, target.region, session, environ=ctx.environ)
    generated = _named(found, template, session, args.region)
    duplicate_names(generated)
    accounts = len({item.account_id for item in found})
    print(f"sso-session {session}: {accounts} accounts, {len(found)} roles", file=sys.stderr)
    if args.dry_run:
        change = plan_change(path, _read(path), generated, session, ctx)
        _show_diff(path, change)
        _report(path, change, None, dry_run=True)
        return 0
    with editing(path, ctx.lock_timeout) as real:
        change = plan_change(real, _read(real), generated, session, ctx)
        backup = _write(real, change)
    _report(path, change, backup, dry_run=False)
    _warn_if_unread(path, args, ctx)
    return 0


def _check_region(region: str | None) -> None:
    from resolver.config.values import region_problem

    if region is not None and (problem := region_problem(region)):
        raise ConfigError(f"--region: {problem}", reason="invalid-region")


def _named(found: list[Any], template: str, session: str, region: str | None) -> list[SsoProfile]:
    from resolver.config.sso_profiles import profile_name

    return [
        SsoProfile(
            profile_name(template, session, item.account_id, item.account_name, item.role_name),
            session,
            item.account_id,
            item.account_name,
            item.role_name,
            region,
        )
        for item in found
    ]


def _read(path: Path) -> str | None:
    """The file's text as it is (a BOM kept), None when there is no file."""
    from resolver.config.credentials_rewrite import read_credentials_file
    from resolver.config.sources.files import MAX_FILE_BYTES

    if not (path.exists() or path.is_symlink()):
        return None
    try:
        return read_credentials_file(path, MAX_FILE_BYTES)
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file=str(path), reason="unreadable-file") from None


def plan_change(
    path: Path, text: str | None, generated: list[SsoProfile], session: str, ctx: Context
) -> Change:
    """The new text of ``path`` with ``session``'s block holding ``generated``; ConfigError
    (nothing written) on a name collision or when the result is not exactly right."""
    from resolver.config.sources.tomlfile import parse_toml
    from resolver.config.sso_profiles import find_block, newline_of, render_block, with_block

    bom = "\ufeff" if text and text.startswith("\ufeff") else ""
    old = (text or "")[len(bom) :]
    block = find_block(old, session, str(path))
    before = _profile_values(parse_toml(old, path=str(path)))
    outside = _outside_profiles(path, old if block is None else block.before + block.after)
    _refuse_collisions(path, generated, outside, ctx)
    new_text = with_block(old, block, render_block(session, generated, newline_of(old)))
    _verify(path, new_text, outside, generated, ctx)
    change = Change(text, bom + new_text)
    for profile in generated:
        previous = before.get(profile.name) if profile.name not in outside else None
        bucket = change.added if previous is None else change.updated
        (change.unchanged if previous == profile.values() else bucket).append(profile.name)
    names = {profile.name for profile in generated}
    change.removed = sorted(name for name in before if name not in outside and name not in names)
    return change


def _outside_profiles(path: Path, outside: str) -> dict[str, dict[str, object]]:
    """The user's profiles: those of the file without the block."""
    from resolver.config.sources.tomlfile import parse_toml

    try:
        return _profile_values(parse_toml(outside, path=str(path)))
    except ConfigError:
        raise ConfigError(
            _NOT_ALONE + " (it does not parse without the block); nothing was written",
            file=str(path),
        ) from None


_NOT_ALONE = (
    "the profiles you wrote depend on the generated block (a key right after its end "
    "marker, outside any table?)"
)


def _profile_values(raw: Any) -> dict[str, dict[str, object]]:
    return {
        name: {key: value.value for key, value in section.values.items()}
        for name, section in raw.profiles.items()
    }


def _ini_names(ctx: Context) -> set[str]:
    from resolver.config.sources.files import ini_paths, load_ini

    return set(load_ini(*ini_paths(ctx.environ)).profiles)


def _refuse_collisions(
    path: Path, generated: list[SsoProfile], outside: dict[str, Any], ctx: Context
) -> None:
    from resolver.config.sso_profiles import COLLISION_REASON

    taken = set(outside) | _ini_names(ctx)
    clashes = [profile.name for profile in generated if profile.name in taken]
    if clashes:
        more = len(clashes) - 5
        shown = ", ".join(clashes[:5]) + (f" and {more} more" if more > 0 else "")
        raise ConfigError(
            f"{len(clashes)} generated names are profiles you wrote ({shown}); choose another "
            "--name (e.g. --name 'sso.{account_name}.{role_name}') or rename yours; "
            "nothing was written",
            file=str(path),
            reason=COLLISION_REASON,
        )


def _verify(
    path: Path,
    new_text: str,
    outside: dict[str, dict[str, object]],
    generated: list[SsoProfile],
    ctx: Context,
) -> None:
    """The new text holds exactly the user's profiles and the generated ones, and each
    generated profile plans; else ConfigError and nothing is written."""
    from resolver.chain.planner import build_chain
    from resolver.config.profiles import ProfileSet
    from resolver.config.sources.files import ini_paths, load_ini
    from resolver.config.sources.tomlfile import parse_toml
    from resolver.config.sso_profiles import expected_profiles

    parsed = parse_toml(new_text, path=str(path))
    if _profile_values(parsed) != expected_profiles(outside, generated):
        raise ConfigError(_NOT_ALONE + "; nothing was written", file=str(path))
    profiles = ProfileSet(load_ini(*ini_paths(ctx.environ)), parsed, [], block=True)
    for profile in generated:
        try:
            build_chain(profiles, profile.name)
        except ResolverError as exc:
            raise ConfigError(
                f"generated profile {profile.name} would not plan ({exc}); nothing was written"
            ) from None


def _write(path: Path, change: Change) -> Path | None:
    """Write the new text (a new file 0600, or a backup then an atomic replace); the
    backup's path, None when there was none to make."""
    from resolver.config.credentials_rewrite import create_file, write_with_backup
    from resolver.config.sources.files import MAX_FILE_BYTES

    if change.old_text == change.new_text:
        return None
    if change.old_text is None:
        create_file(path, change.new_text)
        return None
    return write_with_backup(path, change.old_text, change.new_text, limit=MAX_FILE_BYTES)


def _show_diff(path: Path, change: Change) -> None:
    import difflib

    old = (change.old_text or "").splitlines()
    new = change.new_text.splitlines()
    for line in difflib.unified_diff(old, new, str(path), f"{path} (populated)", lineterm=""):
        print(printable(line))


def _report(path: Path, change: Change, backup: Path | None, *, dry_run: bool) -> None:
    verb = "would change" if dry_run else "changed"
    counts = (
        f"{len(change.added)} added, {len(change.updated)} updated, "
        f"{len(change.removed)} removed, {len(change.unchanged)} unchanged"
    )
    print(printable(f"{verb} {path}: {counts}" + (" (nothing written)" if dry_run else "")))
    marked = [("+", change.added), ("~", change.updated), ("-", change.removed)]
    lines = [f"  {mark} {name}" for mark, names in marked for name in names]
    for line in lines[:SHOWN_NAMES]:
        print(printable(line))
    if len(lines) > SHOWN_NAMES:
        print(f"  ... and {len(lines) - SHOWN_NAMES} more")
    if backup is not None:
        print(printable(f"  backup of {path}: {backup}"))


def _warn_if_unread(path: Path, args: argparse.Namespace, ctx: Context) -> None:
    import os

    from resolver.config.sources.tomlfile import toml_path

    reads = toml_path(args.config, ctx.environ)
    if os.path.realpath(reads) != os.path.realpath(path):
        print(
            printable(
                f"rolechain: warning: rolechain reads {reads}, not {path}: point it there with "
                f"ROLECHAIN_CONFIG={path} or --config {path}"
            ),
            file=sys.stderr,
        )
