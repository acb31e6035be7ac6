"""``rolechain convert --to toml --write [PROFILE ...]``: profiles moved out of the AWS
shared files into the TOML file rolechain reads, so that no name is in both.

Under the edit locks of the TOML file and both AWS files (``cli/edits.py``, always in
that order), it reads all three, decides per profile, and checks that every moved
profile that planned before still plans in the new files; only then it writes: the TOML
file (profiles appended after its last byte, or a new file, 0600), then each AWS file
without the moved sections (``ini_write.without_profiles``), each backed up first and
replaced atomically (``credentials_rewrite.write_with_backup``). A profile that is in
the TOML file already is refused (nothing is written). Long-term keys go to the OS
keyring (``rolechain keys``' store) and the profile says ``credential_store = "keyring"``;
a profile whose secret would be lost (no usable keyring, a session token, an inline web
identity token) stays where it is, with the reason and the next step.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from resolver.config.findings import Finding
from resolver.config.profiles import ProfileSet
from resolver.config.sources.ini import FileKind
from resolver.config.sources.raw import RawConfig
from resolver.context import Context
from resolver.errors import ConfigError, ResolverError

KEYS_MOVED = ("aws_secret_access_key",)


@dataclass
class Move:
    """What ``--write`` does: the texts it read, the profiles it moves, and why others stay."""

    texts: dict[Path, str | None]
    kinds: dict[Path, FileKind]
    moved: list[str] = field(default_factory=list)
    keyring: dict[str, str] = field(default_factory=dict)  # profile -> access key id
    kept: dict[str, str] = field(default_factory=dict)  # profile -> why, and what to do


def ini_files(files: list[str], ctx: Context) -> dict[Path, FileKind]:
    """The AWS files to move profiles out of: those given, else the configured ones."""
    from resolver.config.sources.files import ini_paths

    if not files:
        config, credentials = ini_paths(ctx.environ)
        return {config: "config", credentials: "credentials"}
    toml, credentials_files, config_files = sorted_files(files)
    if toml:
        raise ConfigError("--write moves profiles out of AWS files; a TOML file was given")
    return {
        **{Path(name): "config" for name in config_files},
        **{Path(name): "credentials" for name in credentials_files},
    }


def split_operands(operands: list[str]) -> tuple[list[str], list[str]]:
    """(files, profile names): an operand naming an existing file is a file."""
    files = [word for word in operands if os.path.isfile(word)]
    return files, [word for word in operands if word not in files]


def sorted_files(files: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The TOML, credentials and config files named (at most one of each, all regular
    files); ConfigError otherwise."""
    toml = [f for f in files if Path(f).suffix == ".toml"]
    credentials = [f for f in files if f not in toml and Path(f).name == "credentials"]
    config = [f for f in files if f not in toml and f not in credentials]
    for kind, chosen in (("TOML", toml), ("credentials", credentials), ("config", config)):
        if len(chosen) > 1:
            raise ConfigError(f"convert reads at most one {kind} file; got {len(chosen)}")
    for name in files:
        if not Path(name).is_file():
            raise ConfigError("not a regular file", file=name)
    return toml, credentials, config


def check_names(profiles: ProfileSet, names: list[str], files: list[str]) -> None:
    """ConfigError for a name that is no profile, or a relative file that is also one."""
    from resolver.config.profiles import suggest

    for word in files:
        if not os.path.isabs(word) and word in profiles:
            raise ConfigError(
                f"{word} is both a file here and a profile: for the file write ./{word}; "
                "for the profile run convert from another directory",
                profile=word,
            )
    for name in names:
        if name not in profiles:
            raise ConfigError(
                f"no such profile, nor a file of that name{suggest(name, profiles.names())}",
                profile=name,
                reason="missing-profile",
            )


def write_toml(args: argparse.Namespace, ctx: Context, files: list[str], names: list[str]) -> int:
    """Move ``names`` (default: every profile of the AWS files) into the TOML file."""
    from resolver.cli.edits import editing
    from resolver.config.sources.tomlfile import toml_path

    target = toml_path(args.output or args.config, ctx.environ)
    kinds = ini_files(files, ctx)
    with ExitStack() as locks:
        real = locks.enter_context(editing(target, ctx.lock_timeout))
        for path in kinds:
            locks.enter_context(editing(path, ctx.lock_timeout))
        move = Move({path: _read(path) for path in (real, *kinds)}, kinds)
        new_texts = _plan(move, real, names, args, ctx)
        if not move.moved:
            _report(move, real, {})
            return 1
        backups = _write(move, new_texts)
    _report(move, real, backups)
    reads = toml_path(args.config, ctx.environ)
    if Path(os.path.realpath(reads)) != real:
        print(
            f"rolechain: warning: rolechain reads {reads}, not {target}: point it there with "
            f"ROLECHAIN_CONFIG={target} or --config {target}",
            file=sys.stderr,
        )
    return 0


def _read(path: Path) -> str | None:
    from resolver.config.credentials_rewrite import read_credentials_file

    return read_credentials_file(path) if path.exists() or path.is_symlink() else None


def _ini_raw(move: Move, texts: Mapping[Path, str | None]) -> RawConfig:
    """The AWS files' profiles as ``texts`` hold them."""
    from resolver.config.sources.ini import parse_ini, raw_config

    warnings: list[Finding] = []
    documents = [
        parse_ini(text, path=str(path), kind=kind, warnings=warnings)
        for path, kind in move.kinds.items()
        if (text := texts.get(path)) is not None
    ]
    return raw_config(documents, warnings)


def _plan(
    move: Move, target: Path, names: list[str], args: argparse.Namespace, ctx: Context
) -> dict[Path, str]:
    """The new texts of the TOML file and the AWS files; ``move`` says what moves."""
    from resolver.config.convert import to_toml
    from resolver.config.sources.ini_write import without_profiles
    from resolver.config.sources.tomlfile import parse_toml

    before = ProfileSet(_ini_raw(move, move.texts))
    existing = move.texts[target]
    in_toml = parse_toml(existing, path=str(target)).profiles if existing else {}
    chosen = names or before.names()
    already = [name for name in chosen if name in in_toml]
    if already:
        raise ConfigError(
            f"already in {target}: {', '.join(already)}; nothing was written (remove them "
            "from the TOML file, or leave them out of the profiles to convert)"
        )
    check_names(before, names, [])
    _sort_keys(move, before, chosen, args.include_secrets, ctx)
    keyring = frozenset(move.keyring)
    converted = to_toml(
        before, args.include_secrets, names=move.moved, keyring=keyring, document=not existing
    )
    toml_text = _appended(existing, converted.text)
    texts: dict[Path, str] = {target: toml_text}
    for path, kind in move.kinds.items():
        old = move.texts[path]
        if old is not None and (new := without_profiles(old, kind, move.moved)) != old:
            texts[path] = new
    _check(move, before, texts, target)
    return texts


def _appended(existing: str | None, tables: str) -> str:
    if not existing or not existing.strip():
        return (existing or "") + tables
    return existing + ("" if existing.endswith("\n") else "\n") + "\n" + tables


def _sort_keys(
    move: Move, profiles: ProfileSet, chosen: list[str], include_secrets: bool, ctx: Context
) -> None:
    """Fill ``move``: each profile moves (its key pair into the keyring) or stays."""
    from resolver.config.convert import to_toml

    for name in chosen:
        entry = profiles.get(name)
        assert entry is not None
        data = entry.data
        pair = bool(data.aws_access_key_id and data.aws_secret_access_key)
        if pair and not include_secrets and not data.aws_session_token:
            why = _to_keyring(move, name, data.aws_access_key_id, data.aws_secret_access_key, ctx)
            if why:
                move.kept[name] = why
                continue
        keyring = frozenset({name}) & frozenset(move.keyring)
        left = to_toml(profiles, include_secrets, names=[name], keyring=keyring).left_out
        if left:
            keys = ", ".join(item.split(": ", 1)[1] for item in left)
            move.kept[name] = (
                f"its secret ({keys}) would be left out: keep it here, or move it in "
                "plaintext with --include-secrets"
            )
        else:
            move.moved.append(name)


def _to_keyring(move: Move, name: str, key_id: object, secret: object, ctx: Context) -> str:
    """Store the profile's keys in the OS keyring (read back); the reason it stays if not."""
    from resolver.cli.keys_store import KeyringEntries

    try:
        keys = KeyringEntries(ctx).put_checked(name, key_id, secret)
    except ResolverError as exc:
        return (
            f"its keys need the OS keyring ({exc.message}); once a keyring works run "
            f"`rolechain keys import {name} --remove-plaintext`, then convert it again"
        )
    move.keyring[name] = keys.access_key_id
    return ""


def _check(move: Move, before: ProfileSet, texts: dict[Path, str], target: Path) -> None:
    """Every moved profile that planned before plans in the new files (else nothing is
    written): the new TOML parses, no name is in both, no reference is lost."""
    from resolver.chain.planner import build_chain
    from resolver.config.sources.tomlfile import parse_toml

    new_ini = _ini_raw(move, {**move.texts, **texts})
    after = ProfileSet(new_ini, parse_toml(texts[target], path=str(target)))
    for name in move.moved:
        try:
            build_chain(before, name)
        except ResolverError:
            continue
        try:
            build_chain(after, name)
        except ResolverError as exc:
            raise ConfigError(f"moving it would break it ({exc}); nothing was written") from None


def _write(move: Move, texts: dict[Path, str]) -> dict[Path, Path | None]:
    """Write the new texts (the TOML file first); path -> its backup (None: a new file)."""
    from resolver.config.credentials_rewrite import create_file, write_with_backup
    from resolver.config.sources.ini_write import without_keys

    backups: dict[Path, Path | None] = {}
    for path, text in texts.items():
        old = move.texts[path]
        if old is None:
            create_file(path, text)
            backups[path] = None
            continue
        kind = move.kinds.get(path)
        backup = old if kind is None else without_keys(old, kind, move.keyring, KEYS_MOVED)
        backups[path] = write_with_backup(path, old, text, backup)
    return backups


def _report(move: Move, target: Path, backups: dict[Path, Path | None]) -> None:
    """What moved where, what stayed and why, and what to run next (stdout)."""
    from resolver.errors import printable

    if move.moved:
        print(printable(f"moved to {target}: {', '.join(move.moved)}"))
    for name, key_id in move.keyring.items():
        if name in move.moved:
            print(printable(f"  {name}: access key {key_id} now in the OS keyring"))
    for path, backup in backups.items():
        if backup is not None:
            print(printable(f"  backup of {path}: {backup}"))
    for name, why in move.kept.items():
        print(printable(f"not moved: {name}: {why}"))
    if move.moved:
        print(
            "next: `rolechain validate`; the AWS CLI and SDKs no longer see the moved "
            "profiles: `rolechain setup PROFILE --write` gives one a credential_process section"
        )
