"""``rolechain setup PROFILE [--write]``: a config section that runs rolechain for PROFILE.

The section names this rolechain by its absolute path, so the AWS CLI and SDKs find it
whether or not its virtual environment is on ``PATH``. ``--write`` appends it to the
AWS config file: never over an existing section, after a backup, atomically, and
keeping every byte that was there.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import stat
import sys
import tempfile
import time
from pathlib import Path

from resolver.context import Context
from resolver.errors import ConfigError

MAX_CONFIG_BYTES = 16 * 1024 * 1024
SUFFIX = "-via-rolechain"


def rolechain_command() -> list[str]:
    """The absolute argv that runs this rolechain: the console script, else ``python -m``."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name == "rolechain" and script.is_file():
        return [str(script.resolve())]
    beside = Path(sys.executable).parent / "rolechain"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "resolver"]


def section(profile: str, config: str | None, region: str | None) -> str:
    """The ``[profile PROFILE-via-rolechain]`` section's text."""
    argv = rolechain_command()
    if config:
        argv += ["--config", os.path.abspath(os.path.expanduser(config))]
    argv += ["export", profile, "--format", "credential-process"]
    lines = [f"[profile {profile}{SUFFIX}]", f"credential_process = {shlex.join(argv)}"]
    if region:
        lines.append(f"region = {region}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Print the section, or append it to the AWS config file with ``--write``."""
    from resolver.api import plan
    from resolver.config.sources.files import ini_paths

    chain = plan(args.profile, config=args.config, context=ctx)  # it must exist and plan
    text = section(chain.profile, args.config, chain.sts.region)
    if not args.write:
        print(text, end="")
        return 0
    path = ini_paths(ctx.environ)[0]
    backup = append_section(path, f"{chain.profile}{SUFFIX}", text, ctx.lock_timeout)
    where = f" (backup: {backup})" if backup else ""
    print(f"added [profile {chain.profile}{SUFFIX}] to {path}{where}", file=sys.stderr)
    print(f"try: aws sts get-caller-identity --profile {shlex.quote(chain.profile + SUFFIX)}")
    return 0


def append_section(path: Path, name: str, text: str, timeout: float) -> Path | None:
    """Append ``text`` to ``path`` unless a ``[profile name]`` section exists (ConfigError).

    The file (through a symlink, its target) is backed up first, to a new file beside it,
    then replaced atomically by its old bytes plus the section, with its mode; all of it
    under the edit lock (``timeout``), so concurrent runs each add their section. Returns
    the backup, or None when the file did not exist (then it is created 0600, its directories 0700).
    """
    from resolver.cli.edits import editing

    with editing(path, timeout) as target:
        return _append(path, target, name, text)


def _append(path: Path, target: Path, name: str, text: str) -> Path | None:
    old = _read_config(target)
    header = re.compile(rf"^\s*\[\s*profile\s+{re.escape(name)}\s*\]", re.MULTILINE)
    if old is not None and header.search(old.decode("utf-8", errors="replace")):
        raise ConfigError(
            f"[profile {name}] already exists; not changed (edit or remove it yourself)",
            file=str(path),
        )
    backup = None
    mode = 0o600
    if old is not None:
        mode = stat.S_IMODE(target.stat().st_mode)
        backup = _backup(target, old)
        separator = (
            b"" if not old or old.endswith(b"\n\n") else b"\n" if old.endswith(b"\n") else b"\n\n"
        )
        data = old + separator + text.encode()
    else:
        data = text.encode()
    _write_atomically(target, data, mode)
    return backup


def _read_config(path: Path) -> bytes | None:
    """The file's bytes, None if missing; ConfigError if not a regular file or too large."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read file: {exc.strerror or exc}", file=str(path)) from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError("not a regular file; not changed", file=str(path))
        data = file.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(f"larger than {MAX_CONFIG_BYTES} bytes; not changed", file=str(path))
    return data


def _backup(path: Path, data: bytes) -> Path:
    """A new 0600 file ``<path>.rolechain-<UTC time>[-n].bak`` holding ``data``."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for attempt in range(100):
        candidate = path.with_name(
            f"{path.name}.rolechain-{stamp}{f'-{attempt}' if attempt else ''}.bak"
        )
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        return candidate
    raise ConfigError("cannot find a free backup name; not changed", file=str(path))


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
