"""The peers measured beside boto3 and rolechain: awsume and aws-export-credentials.

Both come from PyPI into the benchmark's venv (the ``bench`` extra) and resolve the same
3-hop chain from the same config against the same moto: both build their STS clients
with boto3, so ``AWS_ENDPOINT_URL_STS`` points them at it. Before a peer is measured it
is probed once: it must exit 0, make exactly the chain's AssumeRole calls (moto's
recorder: roles a, b, c in that order) and print credentials that moto itself accepts
(``GetCallerIdentity`` with them names role c). A peer that fails any of these is
reported with the reason, never measured.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workspace import ACCOUNT, BIN, CHAIN_PROFILE, Env, Workspace

CHAIN_ROLES = tuple(f"arn:aws:iam::{ACCOUNT}:role/{name}" for name in ("a", "b", "c"))
Keys = tuple[str, str, str]  # access key id, secret access key, session token


def _awsume_keys(stdout: str) -> Keys:
    """awsumepy prints ``Awsume KEY SECRET TOKEN REGION PROFILE ...`` for its shell
    wrapper (``awsume`` is a script to source, which evals these fields)."""
    fields = stdout.split()
    if len(fields) < 4 or fields[0] != "Awsume":
        raise ValueError(f"unexpected awsumepy output: {stdout[:40]!r}")
    return fields[1], fields[2], fields[3]


def _process_keys(stdout: str) -> Keys:
    """credential_process JSON (rolechain, aws-export-credentials ``--json``)."""
    document = json.loads(stdout)
    return document["AccessKeyId"], document["SecretAccessKey"], document["SessionToken"]


@dataclass(frozen=True)
class Peer:
    """A peer: its PyPI name, console script, arguments, output and cache."""

    name: str
    script: str
    args: tuple[str, ...]
    keys: Callable[[str], Keys]
    cache: str  # what it keeps between runs, for the report
    cache_args: tuple[str, ...] = ()  # added (with a path under HOME) for its warm runs
    known: str = ""  # a known reason it may fail, reported with the probe's

    def argv(self, env: Env | None = None, warm: bool = False) -> tuple[str, ...]:
        """The command line; ``warm``: with its own cache file in ``env``'s HOME."""
        argv = (str(BIN / self.script), *self.args)
        if warm and self.cache_args:
            if env is None:
                raise ValueError("a warm command line needs the environment's HOME")
            argv += (*self.cache_args, str(self.cache_file(env)))
        return argv

    def command_line(self) -> str:
        """The cold command line as a user types it (script name, not its path)."""
        return shlex.join((self.script, *self.args))

    def cache_file(self, env: Env) -> Path:
        return env.home / f"{self.name}-cache.json"

    def wipe_cache(self, env: Env) -> None:
        """Forget whatever it cached in ``env`` (its cache file and its cache dirs)."""
        self.cache_file(env).unlink(missing_ok=True)
        xdg_cache = Path(env.vars["XDG_CACHE_HOME"])
        for directory in (xdg_cache / "awsume", env.home / ".awsume" / "cache"):
            shutil.rmtree(directory, ignore_errors=True)


PEERS = (
    Peer(
        name="awsume",
        script="awsumepy",  # `awsume` itself is a bash wrapper to be sourced
        args=(CHAIN_PROFILE,),
        keys=_awsume_keys,
        cache="none for role chains: its cache holds only GetSessionToken sessions of "
        "MFA profiles, so every run assumes every role again",
    ),
    Peer(
        name="aws-export-credentials",
        script="aws-export-credentials",
        args=("--profile", CHAIN_PROFILE, "--json"),
        keys=_process_keys,
        cache="the final credentials in the file given to `--cache-file` (none without it)",
        cache_args=("--cache-file",),
        known="0.18.0, the latest release, fills its own 4-field tuple with botocore's "
        "ReadOnlyCredentials plus an expiry, and ReadOnlyCredentials gained a fourth field "
        "(account_id) after botocore 1.36: it still runs with botocore 1.36.26 (checked in "
        "a separate venv), not with the botocore boto3 and rolechain are measured with. "
        "Upstream: benkehoe/aws-export-credentials#19, open; its author calls the tool "
        "unmaintained and points to the AWS CLI v2's `aws configure export-credentials` "
        "(the AWS CLI in this venv is v1, which lacks it)",
    ),
)


def check_keys(ws: Workspace, keys: Keys) -> str | None:
    """Why moto does not take ``keys`` as role c's session (None: it does). Untimed,
    and outside any recording."""
    import boto3

    client = boto3.client(
        "sts",
        endpoint_url=ws.sts.url,
        region_name="us-east-1",
        aws_access_key_id=keys[0],
        aws_secret_access_key=keys[1],
        aws_session_token=keys[2],
    )
    arn = str(client.get_caller_identity()["Arn"])
    expected = f"arn:aws:sts::{ACCOUNT}:assumed-role/c/"
    return None if arn.startswith(expected) else f"its credentials are {arn}, not role c's"


def probe(ws: Workspace, peer: Peer, env: Env) -> str | None:
    """Run ``peer`` once from cold; why it cannot be measured, or None."""
    if not (BIN / peer.script).exists():
        return f"not installed in {BIN.parent} (`pip install '.[bench]'`)"
    ws.start_recording()
    done = subprocess.run(peer.argv(), env=env.vars, capture_output=True, text=True, timeout=120)
    requests = ws.stop_recording_requests()
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return f"exits {done.returncode} after {len(requests)} STS calls: {last}"
    roles = tuple(params.get("RoleArn", "") for params in requests)
    if roles != CHAIN_ROLES:
        return f"made STS calls for {roles}, expected {CHAIN_ROLES}"
    try:
        keys = peer.keys(done.stdout)
    except (ValueError, KeyError) as error:
        return f"unreadable output: {error}"
    return check_keys(ws, keys)


_PROBED: dict[Path, dict[str, str | None]] = {}


def probed(ws: Workspace) -> dict[str, str | None]:
    """Each peer's probe result (None: measurable), probed once per workspace."""
    if ws.root not in _PROBED:
        _PROBED[ws.root] = {
            peer.name: probe(ws, peer, ws.env(10, f"probe-{peer.name}")) for peer in PEERS
        }
    return _PROBED[ws.root]


def runnable(ws: Workspace) -> list[Peer]:
    """The peers that passed their probe."""
    results = probed(ws)
    return [peer for peer in PEERS if results[peer.name] is None]


def not_runnable(ws: Workspace) -> list[str]:
    """One line per peer that failed its probe: its name and why."""
    lines = []
    for peer in PEERS:
        why = probed(ws)[peer.name]
        if why is not None:
            lines.append(f"{peer.name}: {why}" + (f". Known: {peer.known}." if peer.known else ""))
    return lines
