"""Writing the cache's files: always atomic, durable only where a person would pay for a
lost one.

Every file in the cache directory can be re-created: a step's entry by one STS call, a
ready answer from the entries (no call), a failure record lives 10 s, the completion
listing comes from the configuration. So a write is a temp file in the same directory
and ``os.replace``, without fsync: a reader in any process sees the old file or the new
one whole, and a killed process (even by SIGKILL) loses nothing, since the page cache
outlives it. Only a power loss or kernel crash in the seconds before writeback can lose
a write; the name may then hold the old file, nothing, an empty or zero-filled file, or
(ext4 ``data=writeback``) stale blocks. Readers make each of these a miss: they parse the
whole file and check its structure (an entry is complete JSON naming its own key, an
answer ends in ``end`` after length-prefixed blobs and holds its request, a failure
record names its key), never serve it, never raise; the next write replaces it and
``prune`` removes it. A reader does not delete it: unlinking by name could remove the
valid file a concurrent writer has just renamed there. A lost write costs one STS call.

The exception is an entry whose STS call sent an MFA code: losing it would cost another
prompt, so it is written durably (fsync of the file before the rename, of the directory
after); two syncs after seconds of typing cost nothing anyone notices. Syncing every file
cost a cold 3-hop ``export`` 8 fsyncs, 3-34 ms depending on the disk's load.

Peers: botocore's ``JSONFileCache`` (``botocore/utils.py``; the AWS CLI's
``~/.aws/cli/cache``) writes a temp file, fsyncs it and ``os.replace``s it, without a
directory fsync, and reads a file that does not parse as a miss (``KeyError``).
aws-vault's file keyring (``99designs/keyring`` ``file.go``) writes in place with
``os.WriteFile``, no temp file and no fsync; a torn file fails to decrypt. We keep
botocore's atomic replace and its reader contract and drop its per-file fsync.

Files the user owns and cannot re-create (credentials rewrites, keyring and backup
files, ``sso populate``: ``resolver.config.credentials_rewrite``, ``resolver.cli.edits``)
keep fsync of the file and its directory; they do not use this module.

Standard library only.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

TEMP_PREFIX = ".tmp-"


def replace_file(directory: Path, path: Path, data: bytes, *, durable: bool = False) -> None:
    """Replace ``path`` in ``directory`` by a 0600 file holding ``data``, atomically;
    ``durable``: also on disk when this returns. OSError if not (no temp file is left)."""
    fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "wb") as stream:
            if os.name != "nt":
                os.fchmod(stream.fileno(), 0o600)
            stream.write(data)
            stream.flush()
            if durable:
                os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if durable:
        fsync_directory(directory)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort; not possible everywhere)."""
    if os.name == "nt":  # pragma: no cover
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
