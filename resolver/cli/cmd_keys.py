"""``rolechain keys``: long-term keys in the OS keyring (add, import, list, remove, rotate).

No secret is ever printed: only profile names and access key ids.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from resolver.cli.edits import editing
from resolver.cli.keys_store import KeyringEntries
from resolver.context import Context
from resolver.errors import ConfigError, ProviderError, ResolverError
from resolver.providers.bases.keyring_store import (
    MAX_VALUE_CHARS,
    StoredKeys,
    checked_keys,
    parse_keys,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from resolver.cli.keys_rotate import Rotation


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Dispatch ``keys ACTION``."""
    action = {
        "add": _add,
        "import": _import,
        "list": _list,
        "remove": _remove,
        "rotate": _rotate,
    }[args.keys_command]
    return action(args, ctx)


def _store(ctx: Context) -> KeyringEntries:
    return KeyringEntries(ctx)


def _profile_names(config: str | None, ctx: Context) -> list[str]:
    from resolver.config.loading import load_profiles

    return load_profiles(config, ctx.environ).names()


def _read_new_keys(args: argparse.Namespace) -> StoredKeys:
    if args.stdin:
        text = sys.stdin.read(MAX_VALUE_CHARS + 1)
        return parse_keys(text, what="the JSON on stdin")
    import getpass

    if not sys.stdin.isatty():
        raise ProviderError(
            "no terminal to prompt on: pass the keys as JSON with --stdin "
            '({"AccessKeyId": ..., "SecretAccessKey": ...})',
            profile=args.profile,
        )
    key_id = input("Access key id: ")
    secret = getpass.getpass("Secret access key (not echoed): ")
    return checked_keys(key_id, secret, what="the keys typed")


def _add(args: argparse.Namespace, ctx: Context) -> int:
    keys = _read_new_keys(args)
    _store(ctx).put(args.profile, keys)
    print(f"stored access key {keys.access_key_id} for profile {args.profile} in the OS keyring")
    if args.profile not in _profile_names(args.config, ctx):
        print("add the profile to ~/.aws/config:")
        print(f"[profile {args.profile}]\ncredential_store = keyring")
    elif args.profile not in _declared(args.config, ctx):
        print(f"profile {args.profile} does not use them yet: add credential_store = keyring to it")
    return 0


def credentials_path(ctx: Context) -> Path:
    from resolver.config.sources.files import ini_paths

    return ini_paths(ctx.environ)[1]


def _import(args: argparse.Namespace, ctx: Context) -> int:
    from resolver.config.credentials_rewrite import (
        read_credentials_file,
        read_section_keys,
        remove_keys,
        without_secret,
        write_with_backup,
    )

    path = credentials_path(ctx)
    text = read_credentials_file(path)
    found = read_section_keys(text, args.profile)
    if found is None or not found.access_key_id or not found.secret_access_key:
        raise ConfigError(
            f"no aws_access_key_id and aws_secret_access_key in [{args.profile}]",
            file=str(path),
            profile=args.profile,
        )
    if found.session_token:
        raise ConfigError(
            "has an aws_session_token: only long-term keys belong in the keyring",
            file=str(path),
            profile=args.profile,
        )
    keys = checked_keys(found.access_key_id, found.secret_access_key, what=str(path))
    store = _store(ctx)
    store.put(args.profile, keys)
    if args.remove_plaintext and store.get(args.profile) != keys:
        raise ProviderError(
            f"the OS keyring did not keep the keys; {path} is unchanged", profile=args.profile
        )
    print(f"stored access key {keys.access_key_id} for profile {args.profile} in the OS keyring")
    if args.remove_plaintext:
        changed = remove_keys(text, args.profile)
        # write_with_backup re-reads: a change since is refused
        with editing(path, ctx.lock_timeout):
            backup = write_with_backup(path, text, changed, without_secret(text, args.profile))
        print(
            f"removed the keys from {path} and added credential_store = keyring; the backup "
            f"{backup} keeps its other lines, without the secret key: the OS keyring now "
            "holds the only copy"
        )
    else:
        print(
            f"{path} is unchanged: rerun with --remove-plaintext to delete the plaintext keys "
            "and set credential_store = keyring"
        )
    return 0


def _declared(config: str | None, ctx: Context) -> list[str]:
    from resolver.config.loading import load_profiles

    profiles = load_profiles(config, ctx.environ)
    out = []
    for name in profiles.names():
        raw = profiles.raw(name)
        value = raw.values.get("credential_store") if raw is not None else None
        if value is not None and str(value.value).strip() == "keyring":
            out.append(name)
    return out


def _list(args: argparse.Namespace, ctx: Context) -> int:
    from resolver.errors import printable

    listing = _store(ctx).listing(_declared(args.config, ctx))
    if not listing:
        print("no keys in the OS keyring")
    width = max(map(len, listing), default=0)
    for profile, key_id in listing.items():
        print(printable(f"{profile:<{width}}  {key_id}"))
    return 0


def _remove(args: argparse.Namespace, ctx: Context) -> int:
    store = _store(ctx)
    keys = store.get(args.profile)
    if keys is None:
        raise ProviderError("no keys in the OS keyring for this profile", profile=args.profile)
    if not args.yes:
        if not sys.stdin.isatty():
            raise ProviderError("not a terminal: pass --yes to confirm", profile=args.profile)
        answer = input(
            f"delete access key {keys.access_key_id} of {args.profile} from the keyring? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing deleted")
            return 1
    store.remove(args.profile)
    print(
        f"deleted the OS keyring entry of profile {args.profile} (access key {keys.access_key_id})"
    )
    return 0


def _rotate(args: argparse.Namespace, ctx: Context) -> int:
    from resolver.api import plan
    from resolver.chain.types import KeyringSource, StaticSource
    from resolver.cli.keys_rotate import Rotation

    chain = plan(args.profile, config=args.config, context=ctx)
    source = chain.source
    store = _store(ctx)
    if isinstance(source, KeyringSource):
        owner = source.profile
        old = store.load(owner)

        def save(new: StoredKeys) -> None:
            store.put(owner, new)

        where = "the OS keyring"
    elif isinstance(source, StaticSource) and not source.session_token:
        from resolver.config.credentials_rewrite import (
            read_credentials_file,
            read_section_keys,
            replace_keys,
            write_with_backup,
        )

        owner = source.profile
        path = credentials_path(ctx)
        text = read_credentials_file(path) if path.exists() else ""
        found = read_section_keys(text, owner)
        if found is None or found.access_key_id != source.access_key_id:
            raise ConfigError(
                f"rotate rewrites {path}, but profile {owner}'s keys are not there "
                "(move them there, or into the keyring with `rolechain keys add`)",
                profile=owner,
            )
        old = StoredKeys(source.access_key_id, source.secret_access_key)

        def save(new: StoredKeys) -> None:
            changed = replace_keys(text, owner, new.access_key_id, new.secret_access_key)
            with editing(path, ctx.lock_timeout):
                write_with_backup(path, text, changed)

        where = str(path)
    else:
        raise ResolverError(
            f"keys rotate needs long-term IAM user keys, but profile {args.profile}'s base is "
            f"{source.kind}",
            profile=args.profile,
        )
    rotation = Rotation(owner, old, save, chain.sts, ctx.environ)
    if not _rotation_confirmed(rotation, where, args.yes):
        print("nothing changed")
        return 1
    new = rotation.run()
    print(
        f"rotated profile {owner}: new access key {new.access_key_id} stored in {where}; "
        f"old key {old.access_key_id} deleted"
    )
    return 0


def _rotation_confirmed(rotation: Rotation, where: str, yes: bool) -> bool:
    """Name the IAM user and the key, then ask (``--yes``: don't); no terminal to ask on
    and no ``--yes`` is refused."""
    from resolver.errors import printable

    arn = rotation.owner()
    user = arn.split(":", 5)[-1] if ":" in arn else arn  # user/alice, or root
    key = rotation.old.access_key_id
    what = f"access key {key} of IAM {user} ({arn}), stored in {where}"
    if yes:
        print(printable(f"rotating {what}"))
        return True
    if not sys.stdin.isatty():
        raise ProviderError(
            f"keys rotate would replace {what}: not a terminal to confirm on, pass --yes",
            profile=rotation.profile,
        )
    answer = input(printable(f"rotate {what}: create a new key, store it, delete {key}? [y/N] "))
    return answer.strip().lower() in ("y", "yes")
